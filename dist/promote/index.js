// dataops-actions promote: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("promote");
