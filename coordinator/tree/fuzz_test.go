package tree

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/samsa-kafka/samsa/zkproto"
)

// FuzzTxn: decoding arbitrary bytes never panics, and whatever decodes
// re-encodes to a txn that decodes to the same value.
func FuzzTxn(f *testing.F) {
	f.Add(zkproto.Marshal(&Txn{Type: zkproto.OpCreate, Path: "/a", Data: []byte("x"), ACL: open}))
	f.Add(zkproto.Marshal(&Txn{Type: zkproto.OpMulti, Multi: []Txn{{Type: zkproto.OpDelete, Path: "/a"}}}))
	f.Add(zkproto.Marshal(&Txn{Type: zkproto.OpCloseSession, Paths: []string{"/e"}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var x Txn
		if zkproto.Unmarshal(b, &x) != nil {
			return
		}
		var y Txn
		if err := zkproto.Unmarshal(zkproto.Marshal(&x), &y); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("round trip differs: %+v vs %+v", x, y)
		}
	})
}

// FuzzSnapshot: a corrupt snapshot is an error, never a panic or a tree
// with dangling nodes.
func FuzzSnapshot(f *testing.F) {
	var buf bytes.Buffer
	New().WriteSnapshot(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ReadSnapshot(bytes.NewReader(b))
		if err != nil {
			return
		}
		if err := tr.Walk(func(string, *Node) error { return nil }); err != nil {
			t.Fatal(err)
		}
	})
}
