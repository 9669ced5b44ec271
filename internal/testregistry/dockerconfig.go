package testregistry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DockerConfig adds credentials for this server to dir/config.json, the file
// that $DOCKER_CONFIG points docker, crane and pin at. Other entries in an
// existing file are kept, so one directory can serve several servers.
func (s *Server) DockerConfig(dir, user, pass string) error {
	path := filepath.Join(dir, "config.json")
	config := map[string]any{}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("reading docker config: %w", err)
	default:
		if err := json.Unmarshal(data, &config); err != nil {
			return fmt.Errorf("docker config %s: %w", path, err)
		}
	}
	auths, _ := config["auths"].(map[string]any)
	if auths == nil {
		auths = map[string]any{}
	}
	auths[s.Host] = map[string]string{
		"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)),
	}
	config["auths"] = auths
	data, err = json.MarshalIndent(config, "", "\t")
	if err != nil {
		return fmt.Errorf("encoding docker config: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("docker config dir: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing docker config: %w", err)
	}
	return nil
}
