// Vite's client types (import.meta.env, asset imports, `?url`) for the app realm.
/// <reference types="vite/client" />
