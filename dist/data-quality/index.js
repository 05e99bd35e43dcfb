// dataops-actions data-quality: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("data-quality");
