/// Straightforward NCHW kernels: the oracle every fast kernel is tested against. Clarity over speed;
/// unsafe buffers are used only so that debug-build tests run in seconds.
public enum ReferenceKernels {
    /// Output side of a k×k window with `stride` and `pad` over `side` pixels.
    static func outputSide(_ side: Int, kernel: Int, stride: Int, pad: Int) -> Int {
        (side + 2 * pad - kernel) / stride + 1
    }

    /// Grouped 2-D convolution with bias (BN already folded), zero padding, optional ReLU.
    /// Covers the stem (3×3/2, groups 1), the 1×1 grouped convs and the depthwise 3×3 (groups = channels).
    public static func conv(_ x: Activation, _ w: ConvWeights, stride: Int, pad: Int, relu: Bool) -> Activation {
        let k = w.kernel
        let outH = outputSide(x.height, kernel: k, stride: stride, pad: pad)
        let outW = outputSide(x.width, kernel: k, stride: stride, pad: pad)
        precondition(x.channels == w.inPerGroup * w.groups, "conv: \(x.channels) input channels for \(w.groups)×\(w.inPerGroup)")
        var y = Activation(channels: w.outChannels, height: outH, width: outW)
        let outPerGroup = w.outChannels / w.groups
        x.data.withUnsafeBufferPointer { input in
            w.weight.withUnsafeBufferPointer { weight in
                y.data.withUnsafeMutableBufferPointer { out in
                    for o in 0..<w.outChannels {
                        let firstInput = (o / outPerGroup) * w.inPerGroup
                        for oy in 0..<outH {
                            for ox in 0..<outW {
                                var sum = w.bias[o]
                                for i in 0..<w.inPerGroup {
                                    for ky in 0..<k {
                                        let iy = oy * stride - pad + ky
                                        guard iy >= 0, iy < x.height else { continue }
                                        for kx in 0..<k {
                                            let ix = ox * stride - pad + kx
                                            guard ix >= 0, ix < x.width else { continue }
                                            let value = input[((firstInput + i) * x.height + iy) * x.width + ix]
                                            sum += value * weight[((o * w.inPerGroup + i) * k + ky) * k + kx]
                                        }
                                    }
                                }
                                out[(o * outH + oy) * outW + ox] = relu ? max(sum, 0) : sum
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// 3×3 stride 2 pad 1 max pooling (padding never wins).
    public static func maxPool3x3s2(_ x: Activation) -> Activation {
        pool3x3s2(x) { window in window.max() ?? 0 }
    }

    /// 3×3 stride 2 pad 1 average pooling, counting padded zeros (PyTorch `count_include_pad=True`): sum / 9.
    public static func avgPool3x3s2(_ x: Activation) -> Activation {
        pool3x3s2(x) { window in window.reduce(0, +) / 9 }
    }

    private static func pool3x3s2(_ x: Activation, _ reduce: ([Float]) -> Float) -> Activation {
        let outH = outputSide(x.height, kernel: 3, stride: 2, pad: 1)
        let outW = outputSide(x.width, kernel: 3, stride: 2, pad: 1)
        var y = Activation(channels: x.channels, height: outH, width: outW)
        var window: [Float] = []
        window.reserveCapacity(9)
        for c in 0..<x.channels {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    window.removeAll(keepingCapacity: true)
                    for iy in (2 * oy - 1)...(2 * oy + 1) where iy >= 0 && iy < x.height {
                        for ix in (2 * ox - 1)...(2 * ox + 1) where ix >= 0 && ix < x.width {
                            window.append(x.data[(c * x.height + iy) * x.width + ix])
                        }
                    }
                    y.data[(c * outH + oy) * outW + ox] = reduce(window)
                }
            }
        }
        return y
    }

    /// The checkpoints' channel shuffle: view C as (C/g, g), transpose to (g, C/g).
    /// Output channel `gi·(C/g) + i` takes input channel `i·g + gi`.
    public static func channelShuffle(_ x: Activation, groups g: Int) -> Activation {
        let perGroup = x.channels / g
        let plane = x.height * x.width
        var y = x
        for gi in 0..<g {
            for i in 0..<perGroup {
                let from = (i * g + gi) * plane, to = (gi * perGroup + i) * plane
                y.data.replaceSubrange(to..<to + plane, with: x.data[from..<from + plane])
            }
        }
        return y
    }

    /// ReLU(a + b), elementwise.
    public static func addReLU(_ a: Activation, _ b: Activation) -> Activation {
        var y = a
        for i in y.data.indices { y.data[i] = max(a.data[i] + b.data[i], 0) }
        return y
    }

    public static func relu(_ x: Activation) -> Activation {
        var y = x
        for i in y.data.indices { y.data[i] = max(y.data[i], 0) }
        return y
    }

    /// Channel concatenation [a; b] of equally sized maps.
    public static func concat(_ a: Activation, _ b: Activation) -> Activation {
        Activation(channels: a.channels + b.channels, height: a.height, width: a.width, data: a.data + b.data)
    }

    /// Mean of each channel's plane: C floats.
    public static func globalAveragePool(_ x: Activation) -> [Float] {
        let plane = x.height * x.width
        return (0..<x.channels).map { c in x.data[c * plane..<(c + 1) * plane].reduce(0, +) / Float(plane) }
    }

    /// y = W·x for W [rows][x.count], no bias.
    public static func linear(_ x: [Float], weight: [Float], rows: Int) -> [Float] {
        (0..<rows).map { r in
            var sum: Float = 0
            for i in x.indices { sum += weight[r * x.count + i] * x[i] }
            return sum
        }
    }

    /// Squeeze-and-excitation: each channel of `x` times its scale from the block's two FCs over the channel means.
    public static func squeezeExcite(_ x: Activation, _ se: SEWeights) -> Activation {
        let scales = se.scales(means: globalAveragePool(x))
        let plane = x.height * x.width
        var y = x
        for c in 0..<x.channels {
            for i in c * plane..<(c + 1) * plane { y.data[i] *= scales[c] }
        }
        return y
    }
}
