package edit

import (
	"go.yaml.in/yaml/v3"
)

// shared refuses an edit of n (a scalar rewritten, a mapping or list that
// gets an entry) when n or one of its ancestors carries an anchor that an
// alias elsewhere in the document uses: the alias would silently take the
// new content too, e.g. another http route whose weights are `*w`, or
// another service's values that are `*weights`. An anchor nobody uses is
// harmless and stays.
func (f *File) shared(n *yaml.Node, what string) error {
	for _, d := range f.Docs {
		path := pathTo(d, n)
		if path == nil {
			continue
		}
		users := aliasUsers(d)
		for _, p := range path {
			if a := users[p]; a != nil {
				where := "is inside"
				if p == n {
					where = "is"
				}
				return f.errorf(n, "%s %s anchor &%s, which the alias *%s on line %d also uses: editing it would change both; edit the file by hand", what, where, p.Anchor, a.Value, a.Line)
			}
		}
		return nil
	}
	return nil
}

// pathTo returns the nodes from root down to n (both included), or nil when
// n is not under root. It does not follow aliases: their targets are
// reached through their anchors.
func pathTo(root, n *yaml.Node) []*yaml.Node {
	if root == n {
		return []*yaml.Node{root}
	}
	if root.Kind == yaml.AliasNode {
		return nil
	}
	for _, c := range root.Content {
		if p := pathTo(c, n); p != nil {
			return append([]*yaml.Node{root}, p...)
		}
	}
	return nil
}

// aliasUsers maps each anchored node of doc to the first alias that uses it.
func aliasUsers(doc *yaml.Node) map[*yaml.Node]*yaml.Node {
	users := map[*yaml.Node]*yaml.Node{}
	walk(doc, func(c *yaml.Node) {
		if c.Kind == yaml.AliasNode && c.Alias != nil && users[c.Alias] == nil {
			users[c.Alias] = c
		}
	})
	return users
}
