{{/* Names, labels and the pieces every component shares. */}}

{{- define "roofkit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "roofkit.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "roofkit.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "roofkit.labels" -}}
helm.sh/chart: {{ include "roofkit.chart" . }}
app.kubernetes.io/name: {{ include "roofkit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: roofkit
{{- end }}

{{/* Selector labels of one component: (dict "root" $ "component" "importer") */}}
{{- define "roofkit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "roofkit.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "roofkit.componentLabels" -}}
{{ include "roofkit.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "roofkit.componentName" -}}
{{- printf "%s-%s" (include "roofkit.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "roofkit.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "roofkit.natsUrl" -}}
{{- if .Values.devDependencies.nats.enabled }}
{{- printf "nats://%s-nats:4222" (include "roofkit.fullname" .) }}
{{- else }}
{{- required "nats.url is required" .Values.nats.url }}
{{- end }}
{{- end }}

{{- define "roofkit.databaseSecretName" -}}
{{- if .Values.devDependencies.postgres.enabled }}
{{- printf "%s-database" (include "roofkit.fullname" .) }}
{{- else }}
{{- required "database.existingSecret is required (a Secret holding ROOFKIT_DATABASE_URL)" .Values.database.existingSecret }}
{{- end }}
{{- end }}

{{- define "roofkit.databaseSecretKey" -}}
{{- if .Values.devDependencies.postgres.enabled }}url{{ else }}{{ required "database.secretKey is required" .Values.database.secretKey }}{{ end }}
{{- end }}

{{/* The environment every process reads (docs/decisions.md, "Process environment"). */}}
{{- define "roofkit.env" -}}
- name: ROOFKIT_NATS_URL
  value: {{ include "roofkit.natsUrl" .root | quote }}
- name: ROOFKIT_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "roofkit.databaseSecretName" .root }}
      key: {{ include "roofkit.databaseSecretKey" .root }}
- name: ROOFKIT_LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
- name: ROOFKIT_HTTP_HOST
  value: "0.0.0.0"
{{- if .port }}
- name: ROOFKIT_HTTP_PORT
  value: {{ .port | quote }}
{{- end }}
{{- with .root.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* "auto" → present when the cluster serves the API; true/false as given. */}}
{{- define "roofkit.enabledOrAuto" -}}
{{- $v := .value -}}
{{- if kindIs "bool" $v -}}
{{- ternary "true" "" $v -}}
{{- else if eq (toString $v) "auto" -}}
{{- ternary "true" "" (.root.Capabilities.APIVersions.Has .api) -}}
{{- else -}}
{{- fail (printf "expected true, false or auto, got %v" $v) -}}
{{- end -}}
{{- end }}

{{- define "roofkit.components" -}}
{{- list "importer" "auth" "ratelimit" "operator" | toJson }}
{{- end }}

{{- define "roofkit.statelessComponents" -}}
{{- list "importer" "auth" "ratelimit" | toJson }}
{{- end }}
