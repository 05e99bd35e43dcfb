// dataops-actions data-diff: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("data-diff");
