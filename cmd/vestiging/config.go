package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/vestiging/vestiging/web"
)

// configFlag names the configuration file; every command has it.
const configFlag = "config"

// sources records where each setting came from, for config check.
type sources map[string]string

// parseSources is parse that also returns where each setting came from.
// The layers, each overriding the one before: the flag's default, the
// configuration file (--config or VESTIGING_CONFIG), the VESTIGING_*
// environment, the command line. A key or variable ending in _file /
// _FILE names a file holding the value, for secrets.
func parseSources(fs *flag.FlagSet, args []string, stdout io.Writer) (sources, []string, error) {
	if fs.Lookup(configFlag) == nil {
		fs.String(configFlag, "", "configuration file (TOML; or VESTIGING_CONFIG); the environment and flags win over it")
	}
	src := sources{}
	if path := configPath(args); path != "" {
		if err := applyFile(fs, path, src); err != nil {
			return nil, nil, err
		}
	}
	if err := applyEnv(fs, src); err != nil {
		return nil, nil, err
	}
	rest, err := parseArgs(fs, args, stdout)
	if err != nil {
		return nil, nil, err
	}
	fs.Visit(func(f *flag.Flag) { src[f.Name] = "command line" })
	return src, rest, nil
}

// configPath finds --config on the command line before the flags are
// parsed, since the file's values must come first; else VESTIGING_CONFIG.
func configPath(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != configFlag {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return os.Getenv(envName(configFlag))
}

// fileKey is the configuration file's key of a flag: --base-url ← base_url.
func fileKey(flagName string) string {
	return strings.ReplaceAll(flagName, "-", "_")
}

// applyFile sets fs's flags from the TOML file at path. Keys are serve's
// settings (and the command's own); another command's keys are left to it,
// so one file serves them all. An unknown key or a value of the wrong type
// is an error naming the key.
func applyFile(fs *flag.FlagSet, path string, src sources) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("configuration file: %w", err)
	}
	var values map[string]any
	if _, err := toml.Decode(string(b), &values); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return fmt.Errorf("%s: line %d: %s", path, pe.Position.Line, pe.Message)
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	serveFS, _ := serveFlags("serve")
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		name, fromFile := strings.ReplaceAll(key, "_", "-"), false
		if fs.Lookup(name) == nil && serveFS.Lookup(name) == nil {
			if base, ok := strings.CutSuffix(key, "_file"); ok {
				name, fromFile = strings.ReplaceAll(base, "_", "-"), true
			}
		}
		f, own := fs.Lookup(name), true
		if f == nil {
			f, own = serveFS.Lookup(name), false
		}
		if f == nil || name == configFlag || strings.Contains(key, "-") {
			hint := ""
			if strings.Contains(key, "-") {
				hint = fmt.Sprintf(" (keys are written with underscores: %s)", fileKey(key))
			}
			return fmt.Errorf("%s: unknown key %q%s", path, key, hint)
		}
		if fromFile {
			if _, both := values[fileKey(name)]; both {
				return fmt.Errorf("%s: set %s or %s, not both", path, fileKey(name), key)
			}
		}
		if fromFile && !own {
			continue // another command's secret, which this one need not read
		}
		value, err := fileValue(key, values[key], f, fromFile)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if !own {
			continue
		}
		if err := f.Value.Set(value); err != nil {
			return fmt.Errorf("%s: %s: invalid value %q: %v", path, key, mask(name, value), err)
		}
		src[name] = "file " + path
		if fromFile {
			src[name] += ", " + key
		}
	}
	return nil
}

// fileValue converts a TOML value to the flag's text, refusing a value of
// another type than the flag's.
func fileValue(key string, v any, f *flag.Flag, fromFile bool) (string, error) {
	if fromFile {
		file, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%s must be a file name in quotes, not %s", key, describe(v))
		}
		return readSecret(key, file)
	}
	want := f.Value.(flag.Getter).Get()
	switch want.(type) {
	case bool:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
	case int, int64, uint, uint64:
		if i, ok := v.(int64); ok {
			return strconv.FormatInt(i, 10), nil
		}
	case []string:
		switch v := v.(type) {
		case string:
			return v, nil
		case []any:
			items := make([]string, len(v))
			for i, item := range v {
				s, ok := item.(string)
				if !ok {
					return "", fmt.Errorf("%s must be a list of strings, not a list holding %s", key, describe(item))
				}
				items[i] = s
			}
			return strings.Join(items, ","), nil
		}
	default: // strings and durations
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return "", fmt.Errorf("%s must be %s, not %s", key, describe(want), describe(v))
}

// describe names a value's kind in the words of the error messages.
func describe(v any) string {
	switch v.(type) {
	case bool:
		return "true or false"
	case int, int64, uint, uint64:
		return "a whole number"
	case float64:
		return "a number with a fraction"
	case string:
		return "a string in quotes"
	case time.Duration:
		return `a duration in quotes ("30s")`
	case []string:
		return "a list of strings"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("%T", v)
}

// readSecret reads a value kept in a file, without the line end editors add.
func readSecret(name, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// applyEnv sets the flags from VESTIGING_<FLAG>, or from the file named by
// VESTIGING_<FLAG>_FILE.
func applyEnv(fs *flag.FlagSet, src sources) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil {
			return
		}
		name := envName(f.Name)
		v, ok := os.LookupEnv(name)
		if file, fromFile := os.LookupEnv(name + "_FILE"); fromFile {
			if ok {
				err = &usageError{fmt.Sprintf("set %s or %s_FILE, not both", name, name)}
				return
			}
			if v, err = readSecret(name+"_FILE", file); err != nil {
				return
			}
			name, ok = name+"_FILE", true
		}
		if !ok {
			return
		}
		if e := f.Value.Set(v); e != nil {
			err = &usageError{fmt.Sprintf("invalid value %q in %s: %v", mask(f.Name, v), name, e)}
			return
		}
		src[f.Name] = "environment " + name
	})
	return err
}

// mask hides secrets: the whole value of a password, secret or token
// setting, and the password in any URL, so a database URL stays readable
// for checking.
func mask(name, value string) string {
	if value == "" {
		return value
	}
	for _, secret := range []string{"password", "secret", "token"} {
		if strings.Contains(name, secret) {
			return "****"
		}
	}
	u, err := url.Parse(value)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return value
	}
	masked := false
	if _, ok := u.User.Password(); ok {
		u.User, masked = url.UserPassword(u.User.Username(), "xxxx"), true
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxx")
		u.RawQuery, masked = q.Encode(), true
	}
	if !masked {
		return value
	}
	return strings.ReplaceAll(u.String(), "xxxx", "****")
}

// printSettings writes the effective settings as a configuration file,
// secrets masked, each with where it came from.
func printSettings(w io.Writer, fs *flag.FlagSet, src sources) {
	fmt.Fprintln(w, "# Effective settings: the command line wins over the environment, the environment over the file, the file over the default.")
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == configFlag {
			return
		}
		from := src[f.Name]
		if from == "" {
			from = "default"
		}
		fmt.Fprintf(w, "%-20s = %-44s # %s\n", fileKey(f.Name), tomlValue(f, mask(f.Name, f.Value.String())), from)
	})
}

// tomlValue writes a setting as the configuration file would hold it.
func tomlValue(f *flag.Flag, value string) string {
	switch f.Value.(flag.Getter).Get().(type) {
	case bool, int, int64, uint, uint64:
		return value
	case []string:
		if value == "" {
			return "[]"
		}
		items := strings.Split(value, ",")
		for i, s := range items {
			items[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return strconv.Quote(value)
}

// listFlag is a comma-separated list; each Set replaces the whole list, so
// the command line replaces the environment's.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Get() any       { return []string(*l) }
func (l *listFlag) Set(s string) error {
	*l = nil
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// check validates serve's settings together before anything starts, so
// config check reports what serve would stop on.
func (o *serveOptions) check(cmd string) (*url.URL, *netSettings, error) {
	var problems []string
	base, err := o.ff.parse(cmd)
	if err != nil {
		problems = append(problems, strings.TrimPrefix(err.Error(), cmd+": "))
	}
	if err := checkAddr(*o.listen); err != nil {
		problems = append(problems, fmt.Sprintf("--listen: %v", err))
	}
	if *o.metricsListen != "" {
		if err := checkAddr(*o.metricsListen); err != nil {
			problems = append(problems, fmt.Sprintf("--metrics-listen: %v", err))
		}
	}
	if *o.workers < 1 {
		problems = append(problems, "--workers must be at least 1")
	}
	if *o.deliveryWorkers < 1 {
		problems = append(problems, "--delivery-workers must be at least 1")
	}
	if *o.inboxWorkers < 1 {
		problems = append(problems, "--inbox-workers must be at least 1")
	}
	if _, err := parseMediaURL(*o.mediaURL); err != nil {
		problems = append(problems, err.Error())
	}
	if err := checkMapTiles(*o.mapTiles, *o.mapAttribution); err != nil {
		problems = append(problems, err.Error())
	}
	if *o.themeDir != "" {
		if _, err := web.OpenTheme(*o.themeDir); err != nil {
			problems = append(problems, "--theme-dir: "+err.Error())
		}
	}
	if _, err := parseRooms(*o.jitsiURL, *o.bbbURL, *o.bbbSecret); err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := newLogger(io.Discard, *o.logFormat, *o.logLevel); err != nil {
		problems = append(problems, err.Error())
	}
	if err := checkDatabase(o.d.database); err != nil {
		problems = append(problems, err.Error())
	}
	var ns *netSettings
	if base != nil {
		if _, err := o.mail.sender(base, nil); err != nil {
			problems = append(problems, err.Error())
		}
		var p []string
		ns, p = o.net.check(base, o.d.data)
		problems = append(problems, p...)
	}
	if len(problems) > 0 {
		return nil, nil, &usageError{cmd + ": " + strings.Join(problems, "; ")}
	}
	return base, ns, nil
}

// checkDatabase accepts a postgres:// URL or a SQLite file path.
func checkDatabase(database string) error {
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		if u, err := url.Parse(database); err != nil || u.Host == "" && !u.Query().Has("host") {
			// The URL is not repeated: it may hold a password.
			return errors.New("--database is not a valid postgres://user:password@host/dbname URL")
		}
	case strings.Contains(database, "://"):
		return errors.New("--database must be a postgres:// URL or the path of a SQLite file")
	}
	return nil
}

// scheme is the scheme a server with this TLS configuration serves.
func scheme(c *tls.Config) string {
	if c != nil {
		return "https"
	}
	return "http"
}

// configCheck validates serve's settings as serve would read them and
// prints them, secrets masked. Any problem exits with status 1.
func configCheck(args []string, stdout io.Writer) error {
	fs, o := serveFlags("config check")
	src, rest, err := parseSources(fs, args, stdout)
	if err == nil {
		err = noArgs(fs, rest)
	}
	if err == nil {
		printSettings(stdout, fs, src)
		_, _, err = o.check("config check")
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errors.New(message(err))
	}
	fmt.Fprintln(stdout, "# The configuration is valid.")
	return nil
}
