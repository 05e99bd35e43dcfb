// dataops-actions verify: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("verify");
