// dataops-actions system-test: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("system-test");
