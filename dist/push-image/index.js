// dataops-actions push-image: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("push-image");
