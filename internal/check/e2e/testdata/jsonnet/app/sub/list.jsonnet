local l = import '../local.libsonnet';
{ apiVersion: 'v1', kind: 'List', items: [l.svc, (import 'common.libsonnet').cm('from-sub', importstr 'note.txt')] }
