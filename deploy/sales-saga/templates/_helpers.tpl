{{/* Names: "<release>-sales-saga", or the release name alone when it already says sales-saga. */}}
{{- define "sales-saga.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: <fullname>-api, -worker, -consumers, -migrate. */}}
{{- define "sales-saga.componentName" -}}
{{- printf "%s-%s" (include "sales-saga.fullname" .root | trunc 52 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "sales-saga.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sales-saga.labels" -}}
{{ include "sales-saga.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Labels of one component ({root, component}). */}}
{{- define "sales-saga.componentSelectorLabels" -}}
{{ include "sales-saga.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "sales-saga.componentLabels" -}}
{{ include "sales-saga.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "sales-saga.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sales-saga.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sales-saga.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The Secret the processes read DATABASE_URL and JWT_SECRET from. */}}
{{- define "sales-saga.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "sales-saga.fullname" .) -}}
{{- end -}}

{{/* The ConfigMap's data: the `config` values plus the HTTP bind address. */}}
{{- define "sales-saga.configData" -}}
{{- range $name, $value := .Values.config }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
HOST: "0.0.0.0"
PORT: {{ .Values.api.port | toString | quote }}
{{- end -}}

{{/*
The Secret's data (base64). An empty jwtSecret is generated once: on upgrades the value already
stored in the release's Secret is kept, so sign-ins survive a `helm upgrade`.
*/}}
{{- define "sales-saga.secretData" -}}
{{- $jwt := .Values.secrets.jwtSecret -}}
{{- if not $jwt -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "sales-saga.fullname" .) -}}
{{- if and $existing $existing.data (hasKey $existing.data "JWT_SECRET") -}}
{{- $jwt = index $existing.data "JWT_SECRET" | b64dec -}}
{{- else -}}
{{- $jwt = randAlphaNum 48 -}}
{{- end -}}
{{- end -}}
{{- if lt (len $jwt) 32 -}}
{{- fail "secrets.jwtSecret must be at least 32 characters (shared/config.ts refuses shorter ones)" -}}
{{- end }}
DATABASE_URL: {{ required "secrets.databaseUrl is required (or set secrets.existingSecret)" .Values.secrets.databaseUrl | b64enc | quote }}
JWT_SECRET: {{ $jwt | b64enc | quote }}
{{- range $name, $value := .Values.secrets.extra }}
{{ $name }}: {{ $value | toString | b64enc | quote }}
{{- end }}
{{- end -}}

{{/*
The container settings every process shares ({root, entryPoint, configMap, secret, env}):
the image, the entry point, the settings from the ConfigMap and the Secret, the security context
and the writable /tmp.
*/}}
{{- define "sales-saga.container" -}}
{{- $root := .root -}}
image: {{ include "sales-saga.image" $root | quote }}
imagePullPolicy: {{ $root.Values.image.pullPolicy }}
command:
  {{- toYaml (concat $root.Values.entrypoint (list .entryPoint)) | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ .configMap }}
  - secretRef:
      name: {{ .secret }}
{{- with concat (.env | default list) $root.Values.extraEnv }}
env:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $root.Values.securityContext | nindent 2 }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- with $root.Values.extraVolumeMounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/* The pod settings every process shares ({root, hook}). */}}
{{- define "sales-saga.podSpec" -}}
{{- $root := .root -}}
{{- /* hook pods run before the release's ServiceAccount exists */}}
{{- if not (and .hook $root.Values.serviceAccount.create) }}
serviceAccountName: {{ include "sales-saga.serviceAccountName" $root }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: {{ $root.Values.tmpSizeLimit }}
  {{- with $root.Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end -}}

{{/* The probes a component's values define (empty ones are left out). */}}
{{- define "sales-saga.probes" -}}
{{- with .startupProbe }}
startupProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .livenessProbe }}
livenessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .readinessProbe }}
readinessProbe:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
