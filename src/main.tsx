// Entry point: mounts the React app, installs the e2e test hook, reads the setup from the page URL
// (and keeps the URL in step from then on), starts the worker (backend `init`) and loads the task
// the config names (the embedded one by default), and restores the run queue a reload left (then
// keeps its stored copy in step).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { appStore } from './store';
import { startApp } from './store/app';
import { installQueuePersistence } from './store/queue-persist';
import { applySetup, installUrlSync, setupFromSearch } from './store/url-sync';
import { RunStorage } from './storage';
import { App } from './ui/App';
import { installTestHook } from './ui/test-hook';
import './ui/app.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
installTestHook(appStore);
applySetup(appStore, setupFromSearch(window.location.search));
installUrlSync(appStore, window);
startApp();
installQueuePersistence(appStore, () => RunStorage.open());
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
