{ svc: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'jsonnet-svc' }, spec: { ports: [{ name: 'http', port: 80 }], selector: { app: 'x' } } } }
