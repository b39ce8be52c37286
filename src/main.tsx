// Entry point: mounts the React app, installs the e2e test hook, starts the worker (backend
// `init`) and generates the default embedded task.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { appStore } from './store';
import { startApp } from './store/app';
import { App } from './ui/App';
import { installTestHook } from './ui/test-hook';
import './ui/app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
installTestHook(appStore);
startApp();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
