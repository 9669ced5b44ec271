package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ReadError is input that is not kubectl's pod output, with the line at fault.
type ReadError struct {
	Name string // the file, or "stdin"
	Line int    // 0 when the error is about the whole input
	Err  error
}

func (e *ReadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("reading %s: line %d: %v", e.Name, e.Line, e.Err)
	}
	return fmt.Sprintf("reading %s: %v", e.Name, e.Err)
}

func (e *ReadError) Unwrap() error { return e.Err }

// Hint says what input audit wants.
func (e *ReadError) Hint() string {
	return "pipe the output of kubectl get pods -o json (or -o yaml): kubectl get pods -A -o json | pin audit -"
}

var errNotKubectl = errors.New("no kind: not the output of kubectl get pods -o json or -o yaml")

// object is a List of objects or a single Pod: enough of both to tell them apart.
type object struct {
	Kind  string   `json:"kind" yaml:"kind"`
	Items []object `json:"items" yaml:"items"`
	Pod   `yaml:",inline"`
}

// Read decodes the JSON or YAML that kubectl get pods prints: a List (or
// PodList) of Pods, or one Pod. Items of other kinds are skipped. name
// names the input in errors.
func Read(r io.Reader, name string) ([]Pod, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ReadError{Name: name, Err: err}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, &ReadError{Name: name, Err: errors.New("no input")}
	}
	var docs []object
	if trimmed[0] == '{' || trimmed[0] == '[' {
		docs, err = decodeJSON(data)
	} else {
		docs, err = decodeYAML(data)
	}
	if err != nil {
		var re *ReadError
		if errors.As(err, &re) {
			re.Name = name
		}
		return nil, err
	}
	var pods []Pod
	for _, d := range docs {
		switch d.Kind {
		case "List", "PodList":
			found := false
			for _, it := range d.Items {
				if it.Kind == "Pod" || it.Kind == "" && d.Kind == "PodList" {
					pods = append(pods, it.Pod)
					found = true
				}
			}
			// An empty List is a cluster with no pods; one of something
			// else is not kubectl get pods (get deployments, say).
			if !found && len(d.Items) > 0 {
				kind := d.Items[0].Kind
				if kind == "" {
					kind = "items with no kind"
				}
				return nil, &ReadError{Name: name, Err: fmt.Errorf("a List of %s, not of Pods", kind)}
			}
		case "Pod":
			pods = append(pods, d.Pod)
		case "":
			return nil, &ReadError{Name: name, Err: errNotKubectl}
		default:
			return nil, &ReadError{Name: name, Err: fmt.Errorf("kind %s is not a Pod or a List of Pods", d.Kind)}
		}
	}
	return pods, nil
}

func decodeJSON(data []byte) ([]object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var docs []object
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			off := dec.InputOffset()
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &se):
				off = se.Offset
			case errors.As(err, &te):
				off = te.Offset
			case errors.Is(err, io.ErrUnexpectedEOF):
				off = int64(len(data))
			}
			return nil, &ReadError{Line: lineAt(data, off), Err: fmt.Errorf("not valid JSON: %w", err)}
		}
		docs = append(docs, o)
	}
}

func decodeYAML(data []byte) ([]object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []object
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		var o object
		if err == nil && (len(n.Content) == 0 || n.Content[0].ShortTag() == "!!null") {
			continue // an empty document: a stream ending in ---, say
		}
		if err == nil {
			if len(n.Content) > 0 && n.Content[0].Kind != yaml.MappingNode {
				return nil, &ReadError{Line: n.Content[0].Line, Err: errNotKubectl}
			}
			err = n.Decode(&o)
		}
		if err != nil {
			line, msg := yamlLine(err)
			return nil, &ReadError{Line: line, Err: fmt.Errorf("not valid YAML or JSON: %s", msg)}
		}
		docs = append(docs, o)
	}
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

var yamlLineRE = regexp.MustCompile(`line (\d+):? ?`)

// yamlLine finds the line yaml names in its error text, which is the only
// place yaml/v3 gives it, and returns the text without the "yaml: line N:".
func yamlLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	m := yamlLineRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return 0, msg
	}
	n, _ := strconv.Atoi(msg[m[2]:m[3]])
	if m[0] == 0 {
		msg = msg[m[1]:]
	}
	return n, msg
}
