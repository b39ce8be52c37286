// The task picker: the embedded task (generated locally from a seed), uploaded files (chooser or
// drag and drop), URLs, or the Hugging Face Hub. Loading errors show here; a failed load leaves
// the previous task in place. Below it, the loaded task's summary.
import { useId, useState, type DragEvent } from 'react';
import { GLUE_TASKS } from '../../data';
import { actions } from '../../store/app';
import { useApp } from '../../store';
import { OWN_DATA, type TaskSource } from '../../store/slices/task';
import { ErrorNote } from '../components/ErrorNote';
import { NumberField, SelectField, TextField, type Choice } from '../components/fields';
import { Panel } from '../components/Panel';
import { TaskSummaryView } from './TaskSummaryView';

const SOURCES: ReadonlyArray<{ value: TaskSource; label: string }> = [
  { value: 'embedded', label: 'Embedded' },
  { value: 'file', label: 'Files' },
  { value: 'url', label: 'URL' },
  { value: 'hub', label: 'Hub' },
];

const LAYOUT_CHOICES: Choice[] = [
  ...GLUE_TASKS.map((t) => ({ value: t.id, label: `${t.name} (GLUE layout)` })),
  { value: OWN_DATA, label: 'My own data (header row, TSV or CSV)' },
];
const HUB_CHOICES: Choice[] = [
  ...GLUE_TASKS.map((t) => ({ value: t.id, label: t.name })),
  { value: OWN_DATA, label: "Other (from the dataset's features)" },
];

function SourcePicker({
  value,
  onChange,
}: {
  value: TaskSource;
  onChange: (s: TaskSource) => void;
}) {
  return (
    <fieldset className="segmented" data-testid="task.source">
      <legend>Source</legend>
      {SOURCES.map((s) => (
        <label key={s.value} className={value === s.value ? 'selected' : undefined}>
          <input
            type="radio"
            name="task-source"
            value={s.value}
            checked={value === s.value}
            data-testid={`task.source.${s.value}`}
            onChange={() => onChange(s.value)}
          />
          {s.label}
        </label>
      ))}
    </fieldset>
  );
}

function EmbeddedForm({ busy }: { busy: boolean }) {
  const [seed, setSeed] = useState(1);
  const valid = Number.isInteger(seed) && seed >= 0 && seed < 2 ** 31;
  return (
    <form
      className="source-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) void actions.loadEmbedded(seed);
      }}
    >
      <p className="hint">
        A synthetic sentiment-style task generated in the page from a seed: no download.
      </p>
      <div className="row">
        <NumberField
          label="Data seed"
          value={seed}
          step={1}
          testId="task.seed"
          errors={valid ? [] : [{ path: 'task.seed', message: 'a whole number from 0 to 2³¹−1' }]}
          onChange={setSeed}
        />
        <button type="submit" data-testid="task.load.embedded" disabled={busy || !valid}>
          Generate
        </button>
      </div>
    </form>
  );
}

function FileForm({ busy }: { busy: boolean }) {
  const inputId = useId();
  const [layout, setLayout] = useState<string>('sst2');
  const [over, setOver] = useState(false);
  const load = (list: FileList | null): void => {
    const files = list ? Array.from(list) : [];
    if (files.length > 0) void actions.loadFiles(files, layout);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setOver(false);
    if (!busy) load(e.dataTransfer.files);
  };
  return (
    <div className="source-form">
      <SelectField
        label="Layout"
        value={layout}
        choices={LAYOUT_CHOICES}
        testId="task.layout"
        hint="which GLUE task's columns the files follow"
        onChange={setLayout}
      />
      <div
        className={over ? 'dropzone over' : 'dropzone'}
        data-testid="task.drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>
          Drop train and dev files here (names with “train” and “dev”), or one file to split 90/10,
          or
        </p>
        <label htmlFor={inputId} className="button">
          Choose files…
        </label>
        <input
          id={inputId}
          className="visually-hidden"
          type="file"
          multiple
          accept=".tsv,.csv,.txt,text/tab-separated-values,text/csv"
          disabled={busy}
          data-testid="task.file"
          onChange={(e) => {
            load(e.target.files);
            e.target.value = ''; // choosing the same file again must fire 'change' again
          }}
        />
      </div>
    </div>
  );
}

function UrlForm({ busy }: { busy: boolean }) {
  const [task, setTask] = useState<string>('sst2');
  const [trainUrl, setTrainUrl] = useState('');
  const [devUrl, setDevUrl] = useState('');
  return (
    <form
      className="source-form"
      onSubmit={(e) => {
        e.preventDefault();
        void actions.loadUrls(task, trainUrl.trim(), devUrl.trim());
      }}
    >
      <SelectField
        label="Layout"
        value={task}
        choices={LAYOUT_CHOICES}
        testId="task.url.layout"
        onChange={setTask}
      />
      <TextField
        label="Train URL"
        type="url"
        value={trainUrl}
        placeholder="https://…/train.tsv"
        testId="task.url.train"
        onChange={setTrainUrl}
      />
      <TextField
        label="Dev URL"
        type="url"
        value={devUrl}
        placeholder="https://…/dev.tsv"
        hint="optional: without it, 10 % of train is held out"
        testId="task.url.dev"
        onChange={setDevUrl}
      />
      <button type="submit" data-testid="task.load.url" disabled={busy || !trainUrl.trim()}>
        Load
      </button>
    </form>
  );
}

function HubForm({ busy }: { busy: boolean }) {
  const [dataset, setDataset] = useState('nyu-mll/glue');
  const [task, setTask] = useState<string>('sst2');
  const [config, setConfig] = useState('sst2');
  const pickTask = (id: string): void => {
    setTask(id);
    const glue = GLUE_TASKS.find((t) => t.id === id);
    if (glue) setConfig(glue.hub.config); // GLUE's config name for that task
  };
  return (
    <form
      className="source-form"
      onSubmit={(e) => {
        e.preventDefault();
        void actions.loadHub(dataset.trim(), config.trim(), task);
      }}
    >
      <TextField
        label="Dataset"
        value={dataset}
        testId="task.hub.dataset"
        hint="a Hugging Face dataset id"
        onChange={setDataset}
      />
      <SelectField
        label="Task"
        value={task}
        choices={HUB_CHOICES}
        testId="task.hub.task"
        hint="GLUE's columns and labels, or the dataset's own features"
        onChange={pickTask}
      />
      <TextField label="Config" value={config} testId="task.hub.config" onChange={setConfig} />
      <button
        type="submit"
        data-testid="task.load.hub"
        disabled={busy || !dataset.trim() || !config.trim()}
      >
        Load from the Hub
      </button>
    </form>
  );
}

function DataErrorBox() {
  const error = useApp((s) => s.task.error);
  if (!error) return null;
  const place = error.file
    ? `${error.file}${error.line !== undefined ? `, line ${error.line}` : ''}`
    : null;
  return (
    <ErrorNote testId="error.data" title="Could not load the data">
      {place && (
        <p className="error-place" data-testid="error.data.place">
          {place}
        </p>
      )}
      <p data-testid="error.data.reason">{error.reason ?? error.message}</p>
      <p className="muted">The previous task is still loaded.</p>
    </ErrorNote>
  );
}

/** The task panel. */
export function TaskPanel() {
  const loading = useApp((s) => s.task.loading);
  const initial = useApp((s) => s.task.summary?.ref.source ?? 'embedded');
  const [source, setSource] = useState<TaskSource>(initial);
  const busy = loading !== null;
  return (
    <Panel
      id="task"
      title="Task"
      testId="task.panel"
      aside={
        busy ? (
          <span className="pill" data-testid="task.loading" aria-live="polite">
            <span className="spinner" aria-hidden="true" /> loading {loading}…
          </span>
        ) : undefined
      }
    >
      <SourcePicker value={source} onChange={setSource} />
      {source === 'embedded' && <EmbeddedForm busy={busy} />}
      {source === 'file' && <FileForm busy={busy} />}
      {source === 'url' && <UrlForm busy={busy} />}
      {source === 'hub' && <HubForm busy={busy} />}
      <DataErrorBox />
      <TaskSummaryView />
    </Panel>
  );
}
