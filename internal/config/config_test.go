package config

import (
	"bytes"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	base := Config{Addr: "127.0.0.1:8091", LogLevel: slog.LevelInfo, LogFormat: "text", ShutdownTimeout: 10 * time.Second,
		DataDir: DefaultDataDir, ReleaseVersion: "SNAPSHOT", ScanCacheMB: DefaultScanCacheMB, MemoryBudget: DefaultMemoryBudget, AppIdle: DefaultAppIdle}
	with := func(f func(*Config)) Config { c := base; f(&c); return c }

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    Config
		wantErr string // substring; empty means success
	}{
		{name: "defaults", want: base},
		{name: "env host and port",
			env:  map[string]string{"APPSMITH_RTS_HOST": "0.0.0.0", "APPSMITH_RTS_PORT": "9000"},
			want: with(func(c *Config) { c.Addr = "0.0.0.0:9000" })},
		{name: "env ipv6 host is bracketed",
			env:  map[string]string{"APPSMITH_RTS_HOST": "::1"},
			want: with(func(c *Config) { c.Addr = "[::1]:8091" })},
		{name: "flag wins over env",
			args: []string{"--addr", "127.0.0.1:0"},
			env:  map[string]string{"APPSMITH_RTS_HOST": "0.0.0.0", "APPSMITH_RTS_PORT": "9000"},
			want: with(func(c *Config) { c.Addr = "127.0.0.1:0" })},
		{name: "flag fixes a bad env port",
			args: []string{"-addr=:8092"},
			env:  map[string]string{"APPSMITH_RTS_PORT": "http"},
			want: with(func(c *Config) { c.Addr = ":8092" })},
		{name: "secret from env",
			env:  map[string]string{"APPSMITH_RTS_SECRET": "s3cret"},
			want: with(func(c *Config) { c.Secret = "s3cret" })},
		{name: "env level, any case",
			env:  map[string]string{"APPSMITH_LOG_LEVEL": "DEBUG"},
			want: with(func(c *Config) { c.LogLevel = slog.LevelDebug })},
		{name: "loglevel trace is debug",
			env:  map[string]string{"APPSMITH_LOG_LEVEL": "trace"},
			want: with(func(c *Config) { c.LogLevel = slog.LevelDebug })},
		{name: "silent",
			env:  map[string]string{"APPSMITH_LOG_LEVEL": "silent"},
			want: with(func(c *Config) { c.LogLevel = LevelSilent })},
		{name: "level flag wins over env",
			args: []string{"--log-level", "error"},
			env:  map[string]string{"APPSMITH_LOG_LEVEL": "bogus"},
			want: with(func(c *Config) { c.LogLevel = slog.LevelError })},
		{name: "store, redis, auth and origins from env",
			env: map[string]string{"APPSMITH_MONGODB_URI": "mongodb://db:27017/appsmith", "APPSMITH_REDIS_URL": "redis://r:6379",
				"APPSMITH_API_BASE_URL": "http://localhost:8080/api/v1", "APPSMITH_RTS_ALLOWED_ORIGINS": "https://a.example, https://b.example"},
			want: with(func(c *Config) {
				c.MongoURI, c.RedisURL, c.APIBaseURL = "mongodb://db:27017/appsmith", "redis://r:6379", "http://localhost:8080/api/v1"
				c.AllowedOrigins = []string{"https://a.example", "https://b.example"}
			})},
		{name: "store flags win",
			args: []string{"--mongo", "mongodb://127.0.0.1:1/x", "--data", "/tmp/d", "--demo"},
			env:  map[string]string{"APPSMITH_MONGODB_URI": "mongodb://db"},
			want: with(func(c *Config) { c.MongoURI, c.DataDir, c.Demo = "mongodb://127.0.0.1:1/x", "/tmp/d", true })},
		{name: "memory budget and idle eviction",
			args: []string{"--memory-budget", "512MiB", "--app-idle", "0"},
			want: with(func(c *Config) { c.MemoryBudget, c.AppIdle = 512<<20, 0 })},
		{name: "no preload", args: []string{"--no-preload"}, want: with(func(c *Config) { c.NoPreload = true })},
		{name: "memory budget in GB", args: []string{"--memory-budget", "2GB"},
			want: with(func(c *Config) { c.MemoryBudget = 2e9 })},
		{name: "bad memory budget", args: []string{"--memory-budget", "lots"}, wantErr: `--memory-budget: "lots": want a positive size`},
		{name: "zero memory budget", args: []string{"--memory-budget", "0"}, wantErr: "--memory-budget"},
		{name: "negative idle", args: []string{"--app-idle", "-1m"}, wantErr: "--app-idle"},
		{name: "bad mongo uri", args: []string{"--mongo", "postgres://x"}, wantErr: "want a mongodb://"},
		{name: "bad redis url", env: map[string]string{"APPSMITH_REDIS_URL": "localhost:6379"}, wantErr: "want a redis://"},
		{name: "demo needs the store", args: []string{"--no-store", "--demo"}, wantErr: "--demo needs the store"},
		{name: "json format and shutdown timeout",
			args: []string{"--log-format", "json", "--shutdown-timeout", "3s"},
			want: with(func(c *Config) { c.LogFormat = "json"; c.ShutdownTimeout = 3 * time.Second })},

		{name: "allowed hosts and limits from env",
			env: map[string]string{"APPSMITH_RTS_ALLOWED_HOSTS": "rts.example.com, *.corp.example,", "APPSMITH_RTS_MAX_SCRIPTS": "500",
				"APPSMITH_RTS_MAX_ANSWER_MB": "8", "APPSMITH_RTS_MAX_HEAVY": "3", "APPSMITH_RTS_HEAVY_QUEUE": "7", "APPSMITH_RTS_MAX_BODY_MB": "2",
				"APPSMITH_RTS_EXTRACT_CACHE_MB": "128"},
			want: with(func(c *Config) {
				c.AllowedHosts = []string{"rts.example.com", "*.corp.example"}
				c.Limits = Limits{MaxBodyMB: 2, MaxScripts: 500, MaxAnswerMB: 8, MaxHeavy: 3, HeavyQueue: 7, ExtractCacheMB: 128}
			})},
		{name: "limit flags win over env",
			args: []string{"--max-scripts", "20", "--extract-cache-mb", "1"},
			env:  map[string]string{"APPSMITH_RTS_MAX_SCRIPTS": "lots", "APPSMITH_RTS_EXTRACT_CACHE_MB": "0"},
			want: with(func(c *Config) { c.Limits.MaxScripts, c.Limits.ExtractCacheMB = 20, 1 })},
		{name: "cache size 0 turns it off", args: []string{"--extract-cache-mb", "0"},
			want: with(func(c *Config) { c.Limits.NoExtractCache = true })},
		{name: "cache off from env", env: map[string]string{"APPSMITH_RTS_EXTRACT_CACHE_MB": "0"},
			want: with(func(c *Config) { c.Limits.NoExtractCache = true })},
		{name: "bad env limit", env: map[string]string{"APPSMITH_RTS_MAX_HEAVY": "-2"}, wantErr: `APPSMITH_RTS_MAX_HEAVY: "-2" is not a whole number`},
		{name: "negative limit flag", args: []string{"--max-scripts", "-1"}, wantErr: "--max-scripts -1: must not be negative"},
		{name: "bad env port", env: map[string]string{"APPSMITH_RTS_PORT": "80a"}, wantErr: `APPSMITH_RTS_PORT: invalid port "80a"`},
		{name: "env port out of range", env: map[string]string{"APPSMITH_RTS_PORT": "65536"}, wantErr: "APPSMITH_RTS_PORT"},
		{name: "bad env level", env: map[string]string{"APPSMITH_LOG_LEVEL": "loud"}, wantErr: `APPSMITH_LOG_LEVEL: unknown level "loud"`},
		{name: "addr without port", args: []string{"--addr", "localhost"}, wantErr: `--addr "localhost": want HOST:PORT`},
		{name: "addr bad port", args: []string{"--addr", "localhost:x"}, wantErr: `invalid port "x"`},
		{name: "unknown flag", args: []string{"--mangos", "x"}, wantErr: "flag provided but not defined: -mangos"},
		{name: "stray argument", args: []string{"extra"}, wantErr: `unexpected argument "extra"`},
		{name: "bad format", args: []string{"--log-format", "xml"}, wantErr: "want text or json"},
		{name: "bad level flag", args: []string{"--log-level", "x"}, wantErr: "--log-level"},
		{name: "zero shutdown timeout", args: []string{"--shutdown-timeout", "0s"}, wantErr: "must be positive"},
		{name: "scan cache size", args: []string{"--scan-cache-mb", "8"}, want: with(func(c *Config) { c.ScanCacheMB = 8 })},
		{name: "no scan cache", args: []string{"--scan-cache-mb", "0"}, wantErr: "--scan-cache-mb 0: want 1 to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.args, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is not one line", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		if _, err := Load([]string{arg}, func(string) string { return "" }); !errors.Is(err, ErrHelp) {
			t.Errorf("Load(%s) error = %v, want ErrHelp", arg, err)
		}
	}
	var b bytes.Buffer
	Usage(&b)
	for _, want := range []string{"--addr", "--log-level", "APPSMITH_RTS_SECRET", "APPSMITH_RTS_PORT"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, b.String())
		}
	}
}
