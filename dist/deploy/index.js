// dataops-actions deploy: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("deploy");
