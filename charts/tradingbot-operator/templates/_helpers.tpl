{{/*
Names and labels, after `helm create`: names are cut to 63 characters (the DNS label limit) and never end
with a dash.
*/}}

{{/* The chart's short name. */}}
{{- define "tradingbot-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The fully qualified name of this release's objects. */}}
{{- define "tradingbot-operator.fullname" -}}
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

{{/* chart name and version, for the helm.sh/chart label. */}}
{{- define "tradingbot-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object (Kubernetes recommended labels). */}}
{{- define "tradingbot-operator.labels" -}}
helm.sh/chart: {{ include "tradingbot-operator.chart" . }}
{{ include "tradingbot-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ include "tradingbot-operator.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: tradingbot
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The labels the Deployment selects its pod by (immutable after install: keep them small). */}}
{{- define "tradingbot-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tradingbot-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "tradingbot-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tradingbot-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The one namespace the operator watches and is granted rights in: the release's unless set. */}}
{{- define "tradingbot-operator.watchNamespace" -}}
{{- default .Release.Namespace .Values.watchNamespace }}
{{- end }}

{{/* The image tag: values, else the chart's appVersion. */}}
{{- define "tradingbot-operator.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* The image reference; a digest pins it exactly and wins over the tag. */}}
{{- define "tradingbot-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "tradingbot-operator.imageTag" .) }}
{{- end }}
{{- end }}

{{/*
The operator's settings (tradingbot_operator.settings.OperatorSettings, TRADINGBOT_OPERATOR_*): the one
watched namespace (kopf runs standalone: no peering, one replica by design), the liveness endpoint, the
metrics port.
*/}}
{{- define "tradingbot-operator.env" -}}
- name: TRADINGBOT_OPERATOR_NAMESPACES
  value: {{ include "tradingbot-operator.watchNamespace" . | quote }}
- name: TRADINGBOT_OPERATOR_LIVENESS_ENDPOINT
  value: {{ printf "http://0.0.0.0:%v/healthz" .Values.operator.healthPort | quote }}
- name: TRADINGBOT_OPERATOR_METRICS_PORT
  value: {{ .Values.operator.metricsPort | quote }}
- name: TRADINGBOT_OPERATOR_LOG_LEVEL
  value: {{ .Values.operator.logLevel | upper | quote }}
- name: TRADINGBOT_OPERATOR_PROBE_TIMEOUT_SECONDS
  value: {{ .Values.operator.probeTimeoutSeconds | quote }}
- name: TRADINGBOT_OPERATOR_RESYNC_SECONDS
  value: {{ .Values.operator.resyncSeconds | quote }}
{{- end }}
