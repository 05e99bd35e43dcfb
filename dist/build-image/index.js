// dataops-actions build-image: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("build-image");
