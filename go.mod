module github.com/headroom-go/headroom

go 1.26
