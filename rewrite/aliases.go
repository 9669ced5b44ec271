package rewrite

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// maxExpanded bounds how many nodes a document may stand for once its
// aliases are expanded. pin never expands them, but every consumer that
// decodes into values does (kubectl refuses "excessive aliasing"), so a
// document past this is an alias bomb, not a manifest.
const maxExpanded = 1_000_000

// checkAliases refuses a document whose aliases expand it past maxExpanded
// nodes, naming the line where it crosses. It counts each node once. A
// file with no '*' has no alias: its documents are as large as written.
func checkAliases(data []byte, docs []*yaml.Node) error {
	if bytes.IndexByte(data, '*') < 0 {
		return nil
	}
	for _, doc := range docs {
		c := aliasCounter{size: map[*yaml.Node]int{}}
		if c.count(doc) > maxExpanded {
			return &Error{Line: c.line, Msg: fmt.Sprintf("YAML aliases at line %d expand the document past %d nodes (an alias bomb)", c.line, maxExpanded)}
		}
	}
	return nil
}

type aliasCounter struct {
	size map[*yaml.Node]int // expanded size by node; -1 while being counted
	line int                // where the count first passed maxExpanded
}

// count returns n's expanded size, at most maxExpanded+1.
func (c *aliasCounter) count(n *yaml.Node) int {
	if s, ok := c.size[n]; ok {
		if s < 0 {
			return maxExpanded + 1 // an alias inside its own anchor
		}
		return s
	}
	c.size[n] = -1
	total := 1
	kids := n.Content
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		kids = []*yaml.Node{n.Alias}
	}
	for _, k := range kids {
		total += c.count(k)
		if total > maxExpanded {
			total = maxExpanded + 1
			if c.line == 0 {
				c.line = k.Line
			}
			break
		}
	}
	c.size[n] = total
	return total
}
