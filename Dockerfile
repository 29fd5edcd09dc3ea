# syntax=docker/dockerfile:1.7
# shufflenet-serve: build with the official Swift image, run on slim Debian with only the shared libraries the
# binary links (libpng, libjpeg-turbo, zlib, OpenSSL, libstdc++), the model baked in, as a non-root user.
#   docker build -t shufflenet-serve .                             # groups = 3 (default)
#   docker build --build-arg MODEL_GROUPS=8 -t shufflenet-serve:g8 .
#   docker run -p 8080:8080 shufflenet-serve
ARG SWIFT_VERSION=6.3.1

FROM swift:${SWIFT_VERSION}-bookworm AS build
# The CPU the engine is compiled for (see README); unset, it runs on any x86-64 with AVX2 and FMA.
ARG SHUFFLENET_TARGET_CPU
ARG MODEL_GROUPS=3
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpng-dev libjpeg62-turbo-dev zlib1g-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests/TestSupport ./Tests/TestSupport
COPY Tests/CMallocCounter ./Tests/CMallocCounter
COPY Benchmarks/http-fixed-response ./Benchmarks/http-fixed-response
RUN swift build -c release --static-swift-stdlib --product shufflenet \
    && install -D .build/release/shufflenet /out/shufflenet
# Megvii's checkpoints and the ImageNet labels from their public origins, pinned by sha256.
ADD --checksum=sha256:da5df689f1d8f278fd1446e73f3a63aa7809206fadc6678bfd7580aad412abde \
    https://github.com/DavidBlavid/ShufflenetDemo/raw/08971610b2160944c6cbe7108962566fbad5a985/weights/ShuffleNetV1/Group3/models/0.5x.pth.tar \
    /checkpoints/shufflenetv1_g3_0.5x.pth.tar
ADD --checksum=sha256:324922040c0ee642ce7168f32259aca0c9e16baf6b2abade4122edff6ba58382 \
    https://github.com/DavidBlavid/ShufflenetDemo/raw/08971610b2160944c6cbe7108962566fbad5a985/weights/ShuffleNetV1/Group8/models/0.5x.pth.tar \
    /checkpoints/shufflenetv1_g8_0.5x.pth.tar
ADD --checksum=sha256:acf75ef0abe89694b19056e0796401068b459c457baa30335f240c7692857355 \
    https://raw.githubusercontent.com/onnx/models/main/validated/vision/classification/synset.txt \
    /checkpoints/imagenet_synsets.txt
RUN /out/shufflenet convert "/checkpoints/shufflenetv1_g${MODEL_GROUPS}_0.5x.pth.tar" \
        --out /out/model.safetensors --labels /checkpoints/imagenet_synsets.txt --name "shufflenet_v1_g${MODEL_GROUPS}_0.5x"

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpng16-16 libjpeg62-turbo zlib1g libssl3 libstdc++6 libgcc-s1 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin shufflenet
COPY --from=build /out/shufflenet /usr/local/bin/shufflenet
COPY --from=build /out/model.safetensors /models/model.safetensors
USER 10001
ENV SHUFFLENET_HOST=0.0.0.0 \
    SHUFFLENET_PORT=8080 \
    SHUFFLENET_MODELS=/models/model.safetensors \
    SHUFFLENET_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["/usr/local/bin/shufflenet", "healthcheck"]
# Exec form: the server is PID 1 and receives SIGTERM directly (graceful drain, exit 0).
ENTRYPOINT ["/usr/local/bin/shufflenet", "serve"]
