#!/usr/bin/env bash
# Regenerates Sources/AnomalyDistillONNX/Generated/onnx.pb.swift from Protos/onnx/onnx.proto.
#
# Run by hand when the proto changes (CI does not run protoc; the generated file is committed).
# Needs protoc (Debian: protobuf-compiler) and builds protoc-gen-swift from the same swift-protobuf
# version Package.swift depends on, so the generated code matches the runtime library.
#
# Protos/onnx/onnx.proto is ONNX's own (https://github.com/onnx/onnx, Apache License 2.0), as the
# `onnx` Python package (1.23.2) ships it.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.39.0
command -v protoc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler; }
WORK=${TMPDIR:-/tmp}/swift-protobuf-$VERSION
if [ ! -x "$WORK/.build/release/protoc-gen-swift" ]; then
    rm -rf "$WORK" && mkdir -p "$WORK"
    git -C /opt/swift-packages/apple/swift-protobuf.git archive "$VERSION" 2>/dev/null | tar -x -C "$WORK" \
        || git clone -q --depth 1 --branch "$VERSION" https://github.com/apple/swift-protobuf "$WORK"
    (cd "$WORK" && swift build -c release --product protoc-gen-swift)
fi
protoc --plugin="protoc-gen-swift=$WORK/.build/release/protoc-gen-swift" \
    --swift_opt=Visibility=Internal --swift_out=Sources/AnomalyDistillONNX/Generated \
    -I Protos/onnx Protos/onnx/onnx.proto
echo "wrote Sources/AnomalyDistillONNX/Generated/onnx.pb.swift"
