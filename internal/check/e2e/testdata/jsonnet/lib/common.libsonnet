{
  cm(name, v):: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: name, labels: { from: 'jsonnet' } },
    data: { v: v, n: std.toString(std.length(name)) },
  },
}
