// GraphiQL IDE for /graphql, bundled by build.mjs into wwwroot/lib/graphiql/graphiql.js (loaded by wwwroot/graphiql/index.html).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';

// Monaco runs its language services in web workers; build.mjs bundles them next to this file.
globalThis.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = label === 'json' ? 'json.worker.js' : label === 'graphql' ? 'graphql.worker.js' : 'editor.worker.js';
    return new Worker(new URL(file, import.meta.url));
  },
};

// Relative to the page (/graphiql/), so the IDE also works behind a reverse proxy with a path prefix.
const endpoint = new URL('../graphql', window.location.href).toString();

async function fetcher(params, options) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      ...(options?.headers ?? {}),
    },
    body: JSON.stringify(params),
  });
  return response.json();
}

const defaultQuery = `# Referral GraphQL API: the same data and rules as the REST API under /api.
# Run with Ctrl+Enter. The schema is in the documentation panel (and in schema.graphql).
{
  services(first: 5) {
    totalCount
    edges {
      node {
        name
        categories
        organization { name }
        phones { number type }
        locations { name latitude longitude }
      }
    }
  }
}
`;

createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, { fetcher, defaultQuery }));
