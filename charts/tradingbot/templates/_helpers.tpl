{{/* Names and labels, after `helm create`. */}}

{{- define "tradingbot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The TradingBot's name. It also names the StatefulSet, its pod (<name>-0), Service (<name>-metrics) and
snapshots the operator creates, so it is kept to 40 characters.
*/}}
{{- define "tradingbot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tradingbot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tradingbot.labels" -}}
helm.sh/chart: {{ include "tradingbot.chart" . }}
app.kubernetes.io/name: {{ include "tradingbot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "tradingbot.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tradingbot
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "tradingbot.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* The bot image; a digest pins it exactly and wins over the tag. */}}
{{- define "tradingbot.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (include "tradingbot.imageTag" .) }}
{{- end }}
{{- end }}

{{/* The name of the Secret this chart creates (secrets.create.enabled). */}}
{{- define "tradingbot.createdSecretName" -}}
{{- default (printf "%s-secrets" (include "tradingbot.fullname" .)) .Values.secrets.create.name }}
{{- end }}

{{/*
The secret reference of one file, as a YAML mapping or "" when none: the chart-created Secret wins when it
carries a value for the file, else the existing Secret reference if it has a name.
Call with (dict "root" $ "field" "gmoApiKey" "file" "gmo_api_key").
*/}}
{{- define "tradingbot.secretRef" -}}
{{- $root := .root }}
{{- $created := index $root.Values.secrets.create .field }}
{{- $existing := index $root.Values.secrets.existing .field }}
{{- if and $root.Values.secrets.create.enabled $created }}
name: {{ include "tradingbot.createdSecretName" $root }}
key: {{ .file }}
{{- else if $existing.name }}
name: {{ $existing.name }}
key: {{ default .file $existing.key }}
{{- end }}
{{- end }}
