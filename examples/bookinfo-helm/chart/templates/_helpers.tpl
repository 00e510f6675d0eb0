{{/* Services of Bookinfo, in rendering order. */}}
{{- define "bookinfo.services" -}}
productpage details ratings reviews
{{- end -}}

{{- define "bookinfo.labels" -}}
app.kubernetes.io/part-of: bookinfo
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
