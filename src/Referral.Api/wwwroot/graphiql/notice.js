// Shows how to install GraphiQL when its bundle is missing (a build without Node.js/npm). A file rather than an inline
// onerror handler: the page's Content-Security-Policy runs no inline script. Listens in the capture phase, before the
// module script below fails to load (load errors do not bubble).
addEventListener('error', (event) => {
  const target = event.target;
  if (target instanceof HTMLScriptElement && target.src.endsWith('/lib/graphiql/graphiql.js')) {
    document.getElementById('graphiql')?.remove();
    document.getElementById('graphiql-missing').hidden = false;
  }
}, true);
