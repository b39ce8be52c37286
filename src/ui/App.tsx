// The Distillery page: a header with the product name and the backend badge, then the panels in a
// grid (task, model and hyper-parameters, run) and the two live charts. The demo bar (presets,
// link, presenter mode, exports, shortcuts) sits between them.
import { BackendBadge } from './components/BackendBadge';
import { DemoBar } from './demo/DemoBar';
import { LossChart, MetricChart } from './panels/charts';
import { ComparePanel } from './panels/ComparePanel';
import { ConfigPanel } from './panels/ConfigPanel';
import { MethodsPanel } from './panels/MethodsPanel';
import { RunPanel } from './panels/RunPanel';
import { RunsPanel } from './panels/RunsPanel';
import { StudentsPanel } from './panels/StudentsPanel';
import { TeacherPanel } from './panels/TeacherPanel';
import { TaskPanel } from './panels/TaskPanel';

/** The whole app. */
export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ⚗
          </span>
          <div>
            <h1>Distillery</h1>
            <p className="tagline">Train and distil BERT models in your browser</p>
          </div>
        </div>
        <BackendBadge />
      </header>
      <DemoBar />
      <main className="grid">
        <div className="area-task">
          <TaskPanel />
        </div>
        <div className="area-config">
          <ConfigPanel />
        </div>
        <div className="area-run">
          <RunPanel />
        </div>
        <div className="area-teacher">
          <TeacherPanel />
        </div>
        <div className="area-students">
          <StudentsPanel />
        </div>
        <div className="area-methods">
          <MethodsPanel />
        </div>
        <div className="area-loss">
          <LossChart />
        </div>
        <div className="area-metric">
          <MetricChart />
        </div>
      </main>
      <div className="library">
        <RunsPanel />
        <ComparePanel />
      </div>
    </div>
  );
}
