// Package config owns the settings of `rts serve`: which flags and
// environment variables exist, their defaults, and how they combine (a flag
// wins over its variable, a variable over the default).
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// Defaults, as Appsmith's newest RTS binds (loopback, 8091).
const (
	DefaultHost            = "127.0.0.1"
	DefaultPort            = "8091"
	DefaultShutdownTimeout = 10 * time.Second
	DefaultScanCacheMB     = 64
)

// LevelSilent is above every level slog logs at, for APPSMITH_LOG_LEVEL=silent.
const LevelSilent = slog.Level(100)

// Config is what `rts serve` runs with.
type Config struct {
	// Addr is the listen address, host:port; port 0 picks a free port.
	Addr string
	// Secret, when not empty, is required in the x-rts-secret header of every
	// /rts-api request except the health check, and by sockets for app pushes.
	Secret string
	// LogLevel is the least severe level logged.
	LogLevel slog.Level
	// LogFormat is "text" or "json".
	LogFormat string
	// ShutdownTimeout bounds how long a stop waits for in-flight requests.
	ShutdownTimeout time.Duration
	// MongoURI is Appsmith's MongoDB; empty means the embedded store
	// under DataDir.
	MongoURI string
	// DataDir holds the embedded store's files.
	DataDir string
	// NoStore runs only the analysis API (no apps API, no graph pushes).
	NoStore bool
	// Demo imports a small bundled sample app on first start.
	Demo bool
	// RedisURL joins this node to others through Redis; empty: one node.
	RedisURL string
	// APIBaseURL is the Appsmith backend's API root, for socket auth
	// (GET {APIBaseURL}/users/me).
	APIBaseURL string
	// AllowedOrigins may open WebSockets; empty: the request's own host.
	AllowedOrigins []string
	// ReleaseVersion is sent to editors as info:release_version.
	ReleaseVersion string
	// ScanCacheMB bounds the scans of recent scripts and JS object bodies
	// kept for renames (the entity-refactor and batch calls, the live
	// apps' renames), in MiB.
	ScanCacheMB int
	// MemoryBudget bounds the estimated memory of the apps held in
	// memory, in bytes; past it the least recently used are evicted.
	MemoryBudget int64
	// AppIdle evicts an app nobody asked about for this long; 0 never.
	AppIdle time.Duration
	// NoPreload leaves every app to load on its first request instead of
	// loading the store's apps in the background at start.
	NoPreload bool
	// AllowedHosts are Host names answered besides the listen address's
	// own ("name", "*.domain" or "*"); other names get 421.
	AllowedHosts []string
	// Limits bound the work one request can cause.
	Limits Limits
}

// Limits of the analysis API. Zero means the server's default.
type Limits struct {
	MaxBodyMB   int // request body
	MaxScripts  int // scripts per multiple-script-data request
	MaxAnswerMB int // answer of one analysis request
	MaxHeavy    int // heavy requests running at once
	HeavyQueue  int // heavy requests waiting for a turn
	// ExtractCacheMB bounds the extraction cache; NoExtractCache turns it
	// off (the setting given as 0).
	ExtractCacheMB int
	NoExtractCache bool
}

// intSetting is a numeric setting with a flag and an environment variable.
type intSetting struct {
	flag, env string
	to        func(*Config) *int
}

var intSettings = []intSetting{
	{"max-body-mb", "APPSMITH_RTS_MAX_BODY_MB", func(c *Config) *int { return &c.Limits.MaxBodyMB }},
	{"max-scripts", "APPSMITH_RTS_MAX_SCRIPTS", func(c *Config) *int { return &c.Limits.MaxScripts }},
	{"max-answer-mb", "APPSMITH_RTS_MAX_ANSWER_MB", func(c *Config) *int { return &c.Limits.MaxAnswerMB }},
	{"max-heavy", "APPSMITH_RTS_MAX_HEAVY", func(c *Config) *int { return &c.Limits.MaxHeavy }},
	{"heavy-queue", "APPSMITH_RTS_HEAVY_QUEUE", func(c *Config) *int { return &c.Limits.HeavyQueue }},
	{"extract-cache-mb", "APPSMITH_RTS_EXTRACT_CACHE_MB", func(c *Config) *int { return &c.Limits.ExtractCacheMB }},
}

// Defaults of the live apps.
const (
	DefaultMemoryBudget = 1 << 30
	DefaultAppIdle      = time.Hour
)

// DefaultDataDir is where the embedded store keeps its files.
const DefaultDataDir = "./rts-data"

// ErrHelp is returned when the arguments ask for help (-h, --help).
var ErrHelp = flag.ErrHelp

// Load reads the configuration from the arguments that follow `serve` and
// from the environment (getenv, usually os.Getenv). Every error is a usage
// error fit for one line on stderr.
func Load(args []string, getenv func(string) string) (Config, error) {
	cfg := Config{
		Secret:          getenv("APPSMITH_RTS_SECRET"),
		LogFormat:       "text",
		ShutdownTimeout: DefaultShutdownTimeout,
		MongoURI:        getenv("APPSMITH_MONGODB_URI"),
		DataDir:         DefaultDataDir,
		RedisURL:        getenv("APPSMITH_REDIS_URL"),
		APIBaseURL:      getenv("APPSMITH_API_BASE_URL"),
		ReleaseVersion:  getenv("APPSMITH_VERSION"),
		ScanCacheMB:     DefaultScanCacheMB,
		MemoryBudget:    DefaultMemoryBudget,
		AppIdle:         DefaultAppIdle,
	}
	for _, o := range strings.Split(getenv("APPSMITH_RTS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			cfg.AllowedOrigins = append(cfg.AllowedOrigins, o)
		}
	}
	for _, h := range strings.Split(getenv("APPSMITH_RTS_ALLOWED_HOSTS"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.AllowedHosts = append(cfg.AllowedHosts, h)
		}
	}
	envErrs := map[string]error{}
	cacheSet := false
	for _, st := range intSettings {
		v := strings.TrimSpace(getenv(st.env))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			envErrs[st.flag] = fmt.Errorf("%s: %q is not a whole number ≥ 0", st.env, v)
			continue
		}
		*st.to(&cfg) = n
		cacheSet = cacheSet || st.flag == "extract-cache-mb"
	}
	host := getenv("APPSMITH_RTS_HOST")
	if host == "" {
		host = DefaultHost
	}
	port := getenv("APPSMITH_RTS_PORT")
	if port == "" {
		port = DefaultPort
	}
	portErr := checkPort(port)
	cfg.Addr = net.JoinHostPort(host, port)

	var level, budget string
	fs := flagSet(&cfg, &level, &budget, io.Discard)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	// A bad variable is reported only when no flag overrides it, so that a
	// command line can fix a broken environment.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["addr"] && portErr != nil {
		return Config{}, fmt.Errorf("APPSMITH_RTS_PORT: %w", portErr)
	}
	for _, st := range intSettings {
		if err := envErrs[st.flag]; err != nil && !set[st.flag] {
			return Config{}, err
		}
		if set[st.flag] && *st.to(&cfg) < 0 {
			return Config{}, fmt.Errorf("--%s %d: must not be negative", st.flag, *st.to(&cfg))
		}
	}
	if (cacheSet || set["extract-cache-mb"]) && cfg.Limits.ExtractCacheMB == 0 {
		cfg.Limits.NoExtractCache = true
	}
	if err := checkAddr(cfg.Addr); err != nil {
		return Config{}, fmt.Errorf("--addr %q: %w", cfg.Addr, err)
	}
	var err error
	if level != "" {
		if cfg.LogLevel, err = ParseLevel(level); err != nil {
			return Config{}, fmt.Errorf("--log-level: %w", err)
		}
	} else if env := getenv("APPSMITH_LOG_LEVEL"); env != "" {
		if cfg.LogLevel, err = ParseLevel(env); err != nil {
			return Config{}, fmt.Errorf("APPSMITH_LOG_LEVEL: %w", err)
		}
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return Config{}, fmt.Errorf("--log-format %q: want text or json", cfg.LogFormat)
	}
	if cfg.ShutdownTimeout <= 0 {
		return Config{}, fmt.Errorf("--shutdown-timeout %v: must be positive", cfg.ShutdownTimeout)
	}
	if cfg.MongoURI != "" && !strings.HasPrefix(cfg.MongoURI, "mongodb") {
		return Config{}, fmt.Errorf("--mongo %q: want a mongodb:// or mongodb+srv:// URI", cfg.MongoURI)
	}
	if cfg.RedisURL != "" && !strings.HasPrefix(cfg.RedisURL, "redis") && !strings.HasPrefix(cfg.RedisURL, "unix") {
		return Config{}, fmt.Errorf("--redis %q: want a redis:// or rediss:// URL", cfg.RedisURL)
	}
	if cfg.APIBaseURL != "" && !strings.HasPrefix(cfg.APIBaseURL, "http://") && !strings.HasPrefix(cfg.APIBaseURL, "https://") {
		return Config{}, fmt.Errorf("--api-base %q: want an http:// or https:// URL", cfg.APIBaseURL)
	}
	if cfg.ScanCacheMB < 1 || cfg.ScanCacheMB > 1<<20 {
		return Config{}, fmt.Errorf("--scan-cache-mb %d: want 1 to %d", cfg.ScanCacheMB, 1<<20)
	}
	if budget != "" {
		if cfg.MemoryBudget, err = ParseBytes(budget); err != nil {
			return Config{}, fmt.Errorf("--memory-budget: %w", err)
		}
	}
	if cfg.AppIdle < 0 {
		return Config{}, fmt.Errorf("--app-idle %v: must not be negative (0: never)", cfg.AppIdle)
	}
	if cfg.NoStore && cfg.Demo {
		return Config{}, errors.New("--demo needs the store; drop --no-store")
	}
	if cfg.ReleaseVersion == "" {
		cfg.ReleaseVersion = "SNAPSHOT"
	}
	return cfg, nil
}

// ServeHelp is the --help text of `rts serve`.
var ServeHelp = Help{
	Usage: "rts serve [flags]",
	About: "Runs the HTTP server: Appsmith's RTS API, the apps API, Socket.IO at /rts " +
		"and the graph page at /. Each flag wins over its environment variable.",
	Flags: []HelpItem{
		{"--addr HOST:PORT", "listen address (APPSMITH_RTS_HOST, default 127.0.0.1; APPSMITH_RTS_PORT, default 8091)"},
		{"--log-level LEVEL", "debug, info, warn, error or silent (APPSMITH_LOG_LEVEL, default info)"},
		{"--log-format FORMAT", "text or json (default text)"},
		{"--shutdown-timeout DUR", "how long a stop waits for in-flight requests (default 10s)"},
		{"--mongo URI", "Appsmith's MongoDB (APPSMITH_MONGODB_URI; default: the embedded SQLite store under --data)"},
		{"--data DIR", "the embedded store's folder (default ./rts-data)"},
		{"--memory-budget SIZE", "estimated memory of the apps held in memory, e.g. 512MiB or 2GiB; past it the least recently used are evicted (default 1GiB)"},
		{"--app-idle DUR", "evict an app nobody asked about for this long (default 1h; 0: never)"},
		{"--no-preload", "load each app on its first request, not in the background at start (preloading stops at --memory-budget)"},
		{"--no-store", "serve only the analysis API: no apps API, no pushes"},
		{"--demo", "import a small sample app on first start"},
		{"--redis URL", "join other nodes through Redis (APPSMITH_REDIS_URL)"},
		{"--api-base URL", "Appsmith's API, for socket auth: GET URL/users/me (APPSMITH_API_BASE_URL)"},
		{"--scan-cache-mb N", "scans of recent scripts kept for renames, in MiB (default 64)"},
		{"--max-body-mb N", "request body, in MiB (APPSMITH_RTS_MAX_BODY_MB, default 5)"},
		{"--max-scripts N", "scripts per multiple-script-data request (APPSMITH_RTS_MAX_SCRIPTS, default 10000)"},
		{"--max-answer-mb N", "answer of one analysis request, in MiB (APPSMITH_RTS_MAX_ANSWER_MB, default 16)"},
		{"--max-heavy N", "heavy requests (multiple-script-data, batch renames, bodies over 64 KB) at once (APPSMITH_RTS_MAX_HEAVY, default: the cores, at least 2)"},
		{"--heavy-queue N", "heavy requests waiting for a turn; past it 503 with Retry-After (APPSMITH_RTS_HEAVY_QUEUE, default 4 × --max-heavy)"},
		{"--extract-cache-mb N", "cache of extraction answers, in MiB; 0 turns it off (APPSMITH_RTS_EXTRACT_CACHE_MB, default 8)"},
	},
	Env: []HelpItem{
		{"APPSMITH_RTS_SECRET", "when set, every /rts-api request except the health check must carry it in the x-rts-secret header, and sockets get app pushes only with it (Socket.IO auth {secret} or the header)"},
		{"APPSMITH_RTS_ALLOWED_HOSTS", "comma-separated Host names answered besides the listen address's own: name, *.domain or * (any); other names get 421 (DNS rebinding)"},
		{"APPSMITH_RTS_ALLOWED_ORIGINS", "comma-separated origins allowed to open WebSockets (default: the request's own host)"},
		{"APPSMITH_VERSION", "the release sent to editors as info:release_version"},
	},
	Exit: "0 stopped by SIGINT or SIGTERM, 1 the server failed, 2 bad usage or configuration",
}

// Usage writes the help of `rts serve` to out.
func Usage(out io.Writer) {
	flagSet(&Config{}, new(string), new(string), out).Usage()
}

func flagSet(cfg *Config, level, budget *string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("rts serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "")
	fs.StringVar(level, "log-level", "", "")
	fs.StringVar(&cfg.LogFormat, "log-format", cfg.LogFormat, "")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "")
	fs.StringVar(&cfg.MongoURI, "mongo", cfg.MongoURI, "")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "")
	fs.BoolVar(&cfg.NoStore, "no-store", false, "")
	fs.BoolVar(&cfg.Demo, "demo", false, "")
	fs.StringVar(&cfg.RedisURL, "redis", cfg.RedisURL, "")
	fs.StringVar(&cfg.APIBaseURL, "api-base", cfg.APIBaseURL, "")
	fs.IntVar(&cfg.ScanCacheMB, "scan-cache-mb", cfg.ScanCacheMB, "")
	fs.StringVar(budget, "memory-budget", "", "")
	fs.DurationVar(&cfg.AppIdle, "app-idle", cfg.AppIdle, "")
	fs.BoolVar(&cfg.NoPreload, "no-preload", false, "")
	for _, st := range intSettings {
		p := st.to(cfg)
		fs.IntVar(p, st.flag, *p, "")
	}
	fs.Usage = func() { _ = ServeHelp.Write(out) }
	return fs
}

// ParseBytes reads a size: a number of bytes with an optional unit, KiB,
// MiB, GiB (or KB, MB, GB: powers of 1000).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("%q: want a positive size such as 512MiB or 2GiB", s)
	}
	return int64(n * float64(mult)), nil
}

// ParseLevel maps a level name to slog's. It accepts the names of the
// loglevel library Appsmith's RTS uses (trace, debug, info, warn, error,
// silent), in any case; trace logs as debug.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trace", "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	case "silent":
		return LevelSilent, nil
	}
	return 0, fmt.Errorf("unknown level %q (want debug, info, warn, error or silent)", s)
}

func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want HOST:PORT")
	}
	return checkPort(port)
}

func checkPort(port string) error {
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n > 65535 {
		return fmt.Errorf("invalid port %q", port)
	}
	return nil
}
