"""The larq layer configurations that the fixtures cover: every quantized layer with its arguments varied.

Each case is (name, layer class name, keyword arguments, input shape without the batch axis). Quantizers are
given as larq objects so that their non-default arguments are covered too.
"""
import larq as lq

Q = lq.quantizers

# Every larq quantizer, with non-default arguments where it has them.
QUANTIZERS = {
    "ste_sign": lambda: "ste_sign",
    "ste_sign_clip": lambda: Q.SteSign(clip_value=1.25),
    "approx_sign": lambda: "approx_sign",
    "swish_sign": lambda: Q.SwishSign(beta=3.0),
    "ste_heaviside": lambda: Q.SteHeaviside(clip_value=1.5),
    "ste_tern": lambda: Q.SteTern(threshold_value=0.1),
    "ste_tern_twn": lambda: Q.SteTern(ternary_weight_networks=True),
    "magnitude_aware_sign": lambda: "magnitude_aware_sign",
    "dorefa_activations": lambda: Q.DoReFa(k_bit=2, mode="activations"),
    "dorefa_weights": lambda: Q.DoReFa(k_bit=3, mode="weights"),
    "noop": lambda: Q.NoOp(precision=4),
}


def _cases():
    cases = []

    def add(name, cls, kwargs, shape):
        cases.append((name, cls, kwargs, shape))

    # Quantizers: each one as input and as kernel quantizer of a dense layer.
    for qname, make in QUANTIZERS.items():
        if qname != "magnitude_aware_sign":
            add(f"dense_input_{qname}", "QuantDense", dict(units=3, input_quantizer=make(), kernel_quantizer="ste_sign"), (5,))
        add(f"dense_kernel_{qname}", "QuantDense", dict(units=3, input_quantizer="ste_sign", kernel_quantizer=make()), (5,))
    add("dense_float", "QuantDense", dict(units=4), (6,))
    add("dense_nobias_clip_hardtanh", "QuantDense",
        dict(units=4, use_bias=False, input_quantizer="ste_sign", kernel_quantizer="ste_sign",
             kernel_constraint="weight_clip", activation="hard_tanh"), (7,))
    add("dense_rank3", "QuantDense", dict(units=2, input_quantizer="ste_sign", kernel_quantizer="ste_sign"), (3, 4))

    binary = dict(input_quantizer="ste_sign", kernel_quantizer="ste_sign", kernel_constraint="weight_clip")

    # Conv1D
    add("conv1d_valid", "QuantConv1D", dict(filters=3, kernel_size=3, **binary), (7, 2))
    add("conv1d_same_pad1_stride2", "QuantConv1D", dict(filters=3, kernel_size=3, strides=2, padding="same", pad_values=1.0, **binary), (8, 2))
    add("conv1d_same_pad0_dilation2", "QuantConv1D", dict(filters=2, kernel_size=3, dilation_rate=2, padding="same", pad_values=0.0, use_bias=False, **binary), (9, 3))
    add("conv1d_causal", "QuantConv1D", dict(filters=2, kernel_size=3, padding="causal", **binary), (6, 2))
    add("conv1d_groups2", "QuantConv1D", dict(filters=4, kernel_size=2, groups=2, **binary), (6, 4))
    # Conv2D
    add("conv2d_valid", "QuantConv2D", dict(filters=3, kernel_size=3, **binary), (5, 5, 2))
    add("conv2d_same_pad1", "QuantConv2D", dict(filters=3, kernel_size=3, padding="same", pad_values=1.0, **binary), (5, 5, 2))
    add("conv2d_same_pad0_stride2", "QuantConv2D", dict(filters=2, kernel_size=(3, 2), strides=(2, 1), padding="same", **binary), (6, 5, 3))
    add("conv2d_dilation2_nobias", "QuantConv2D", dict(filters=2, kernel_size=3, dilation_rate=2, use_bias=False, padding="same", pad_values=1.0, **binary), (7, 7, 2))
    add("conv2d_groups2", "QuantConv2D", dict(filters=4, kernel_size=3, groups=2, **binary), (5, 5, 4))
    add("conv2d_float_input_tern_kernel", "QuantConv2D", dict(filters=3, kernel_size=2, kernel_quantizer=Q.SteTern(threshold_value=0.3)), (4, 4, 2))
    add("conv2d_magnitude_aware", "QuantConv2D", dict(filters=3, kernel_size=3, input_quantizer="ste_sign", kernel_quantizer="magnitude_aware_sign"), (5, 5, 2))
    # Conv3D
    add("conv3d_valid", "QuantConv3D", dict(filters=2, kernel_size=2, **binary), (3, 4, 4, 2))
    add("conv3d_same_pad1_stride2", "QuantConv3D", dict(filters=2, kernel_size=3, strides=2, padding="same", pad_values=1.0, **binary), (4, 5, 4, 1))
    add("conv3d_dilation2", "QuantConv3D", dict(filters=2, kernel_size=2, dilation_rate=2, **binary), (4, 4, 4, 1))
    # DepthwiseConv2D
    dw = dict(input_quantizer="ste_sign", depthwise_quantizer="ste_sign", depthwise_constraint="weight_clip")
    add("depthwise_valid", "QuantDepthwiseConv2D", dict(kernel_size=3, **dw), (5, 5, 3))
    add("depthwise_same_pad1_mult2", "QuantDepthwiseConv2D", dict(kernel_size=3, padding="same", pad_values=1.0, depth_multiplier=2, **dw), (5, 5, 2))
    add("depthwise_stride2_nobias", "QuantDepthwiseConv2D", dict(kernel_size=2, strides=2, use_bias=False, **dw), (6, 6, 2))
    add("depthwise_dilation2", "QuantDepthwiseConv2D", dict(kernel_size=2, dilation_rate=2, padding="same", **dw), (6, 6, 2))
    # Separable
    sep = dict(input_quantizer="ste_sign", depthwise_quantizer="ste_sign", pointwise_quantizer="ste_sign",
               depthwise_constraint="weight_clip", pointwise_constraint="weight_clip")
    add("separable1d_valid", "QuantSeparableConv1D", dict(filters=3, kernel_size=3, **sep), (7, 2))
    add("separable1d_same_pad1_mult2", "QuantSeparableConv1D", dict(filters=3, kernel_size=3, padding="same", pad_values=1.0, depth_multiplier=2, **sep), (6, 2))
    add("separable1d_stride2_dilation", "QuantSeparableConv1D", dict(filters=2, kernel_size=2, strides=1, dilation_rate=2, use_bias=False, **sep), (8, 3))
    add("separable2d_valid", "QuantSeparableConv2D", dict(filters=3, kernel_size=3, **sep), (5, 5, 2))
    add("separable2d_same_pad1_mult2_stride2", "QuantSeparableConv2D", dict(filters=2, kernel_size=3, strides=2, padding="same", pad_values=1.0, depth_multiplier=2, **sep), (6, 6, 2))
    add("separable2d_dilation2", "QuantSeparableConv2D", dict(filters=2, kernel_size=2, dilation_rate=2, **sep), (6, 6, 2))
    add("separable2d_float_pointwise", "QuantSeparableConv2D", dict(filters=2, kernel_size=2, input_quantizer="ste_sign", depthwise_quantizer="ste_sign"), (4, 4, 2))
    # Conv2DTranspose
    add("conv2d_transpose_valid", "QuantConv2DTranspose", dict(filters=2, kernel_size=3, **binary), (4, 4, 2))
    add("conv2d_transpose_same_stride2", "QuantConv2DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", **binary), (3, 3, 2))
    add("conv2d_transpose_output_padding", "QuantConv2DTranspose", dict(filters=2, kernel_size=3, strides=2, output_padding=1, use_bias=False, **binary), (3, 3, 2))
    add("conv2d_transpose_dilation2", "QuantConv2DTranspose", dict(filters=2, kernel_size=2, dilation_rate=2, **binary), (3, 3, 2))
    # Conv3DTranspose
    add("conv3d_transpose_valid", "QuantConv3DTranspose", dict(filters=2, kernel_size=2, **binary), (2, 3, 3, 2))
    add("conv3d_transpose_same_stride2", "QuantConv3DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same", **binary), (2, 2, 2, 1))
    add("conv3d_transpose_output_padding", "QuantConv3DTranspose", dict(filters=1, kernel_size=3, strides=2, output_padding=1, **binary), (2, 2, 2, 1))
    # Locally connected
    for impl in (1, 2):
        add(f"locally1d_impl{impl}", "QuantLocallyConnected1D", dict(filters=2, kernel_size=3, implementation=impl, **binary), (6, 2))
        add(f"locally1d_impl{impl}_stride2_nobias", "QuantLocallyConnected1D", dict(filters=2, kernel_size=2, strides=2, use_bias=False, implementation=impl, **binary), (7, 2))
        add(f"locally2d_impl{impl}", "QuantLocallyConnected2D", dict(filters=2, kernel_size=2, implementation=impl, **binary), (4, 4, 2))
        add(f"locally2d_impl{impl}_stride2", "QuantLocallyConnected2D", dict(filters=2, kernel_size=(2, 3), strides=2, implementation=impl, **binary), (5, 6, 2))
    add("locally1d_impl2_same", "QuantLocallyConnected1D", dict(filters=2, kernel_size=3, padding="same", implementation=2, **binary), (5, 2))
    add("locally2d_impl2_same", "QuantLocallyConnected2D", dict(filters=2, kernel_size=3, padding="same", implementation=2, **binary), (4, 4, 1))
    # channels_first: TensorFlow's CPU kernels only run NHWC convolutions; larq's own tests do likewise, so
    # channels_first is covered where the layer computes it without a CPU-unsupported kernel.
    add("locally1d_channels_first", "QuantLocallyConnected1D", dict(filters=2, kernel_size=2, data_format="channels_first", **binary), (2, 5))
    add("locally2d_channels_first", "QuantLocallyConnected2D", dict(filters=2, kernel_size=2, data_format="channels_first", implementation=2, **binary), (2, 4, 4))
    return cases


CASES = _cases()
