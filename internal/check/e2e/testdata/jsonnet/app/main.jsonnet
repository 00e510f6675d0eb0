// Top-level arguments reach the function; external variables come from the
// Application, the build environment substituted.
function(prefix)
  local c = import 'common.libsonnet';
  [
    c.cm(prefix + '-a', std.extVar('env')),
    c.cm(prefix + '-b', std.toString(std.extVar('replicas') * 2)),
    null,
  ]
