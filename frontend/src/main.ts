import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { hasWailsRuntime, useBackend } from './lib/backend';
import { store, type View } from './lib/state.svelte';

async function start() {
  // Preview mode for screenshots and design work: ?mock=<scenario>[&view=setup|about].
  // Only when the Wails runtime is absent; the mock lives in its own chunk
  // that the real app never loads.
  const params = new URLSearchParams(window.location.search);
  const scenario = params.get('mock');
  if (scenario !== null && !hasWailsRuntime()) {
    const mock = await import('./lib/mock');
    useBackend(mock.createMockBackend(scenario, params));
    const view = params.get('view');
    if (view === 'setup' || view === 'about') store.go(view as View);
  }
  mount(App, { target: document.getElementById('app')! });
}

void start();
