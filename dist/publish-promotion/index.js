// dataops-actions publish-promotion: the bundle's dispatcher
const { main } = await import('../actions/main.js');
await main("publish-promotion");
