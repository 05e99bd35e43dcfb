// dataops-actions stages: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("stages");
