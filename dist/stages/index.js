// dataops-actions stages: source maps on (an internal error names src/ lines), then the bundle
process.setSourceMapsEnabled(true);
const { main } = await import('../actions/main.js');
await main("stages");
