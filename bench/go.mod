module github.com/modelgate/modelgate/bench

go 1.26.8

require (
	github.com/modelgate/modelgate v0.0.0
	github.com/yalue/onnxruntime_go v1.27.0
)

require (
	github.com/go-json-experiment/json v1.27.2 // indirect
	go.yaml.in/yaml/v4 v4.0.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace github.com/modelgate/modelgate => ../
