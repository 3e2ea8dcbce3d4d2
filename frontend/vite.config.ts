/// <reference types="vitest/config" />
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Plugin, type ResolvedConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

const testing = !!process.env.VITEST;

/**
 * dist/ holds a committed .gitkeep so that `go build` / `go test` can embed
 * the folder on a fresh clone. Vite would delete it with emptyOutDir, so
 * instead this plugin clears everything else before a build and makes sure
 * .gitkeep (empty, unchanged) is still there afterwards.
 */
function keepGitkeep(): Plugin {
  let outDir = '';
  return {
    name: 'outlook-connect:keep-gitkeep',
    apply: 'build',
    configResolved(config: ResolvedConfig) {
      outDir = resolve(config.root, config.build.outDir);
    },
    buildStart() {
      if (!existsSync(outDir)) return;
      for (const name of readdirSync(outDir)) {
        if (name === '.gitkeep') continue;
        rmSync(join(outDir, name), { recursive: true, force: true });
      }
    },
    closeBundle() {
      const keep = join(outDir, '.gitkeep');
      if (!existsSync(keep)) writeFileSync(keep, '');
    },
  };
}

export default defineConfig({
  plugins: [svelte(), svelteTesting(), keepGitkeep()],
  // Wails serves the built files from its own asset server: relative paths
  // keep the bundle working from any base.
  base: './',
  resolve: testing ? { conditions: ['browser'] } : undefined,
  build: {
    outDir: 'dist',
    // dist/.gitkeep is committed (Go's //go:embed needs a file there);
    // keepGitkeep() removes old assets instead of emptying the folder.
    emptyOutDir: false,
    chunkSizeWarningLimit: 600,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test/setup.ts'],
  },
});
