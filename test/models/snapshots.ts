/**
 * larq's published summary snapshots (larq/larq `larq/snapshots/snap_models_test.py`, larq 0.13
 * format: KiB sizes, "Model size (8-bit FP weights)", MAC columns without units), verbatim.
 * Each snapshot is the captured stdout of one `lq.models.summary` call: the stats table, a
 * newline, the summary table, a newline. The last two texts are not published snapshots but the
 * output of real larq 0.14.0 for the Keras model described above them.
 */

/** `test_summary 1`: the Sequential profile model (QuantConv2D … Dense). */
export const SNAP_SUMMARY_1 = `+sequential stats----------------------------------------------------------------------------------------------------------------+
| Layer                   Input prec.           Outputs  # 1-bit  # 2-bit  # 32-bit  Memory  1-bit MACs  2-bit MACs  32-bit MACs |
|                               (bit)                        x 1      x 1       x 1    (kB)                                      |
+--------------------------------------------------------------------------------------------------------------------------------+
| quant_conv2d                      -  (-1, 64, 64, 32)      288        0        32    0.16           0           0      1179648 |
| max_pooling2d                     -  (-1, 32, 32, 32)        0        0         0       0           0           0            0 |
| quant_depthwise_conv2d            2  (-1, 11, 11, 32)        0      288         0    0.07           0       34848            0 |
| batch_normalization               -  (-1, 11, 11, 32)        0        0        64    0.25           0           0            0 |
| quant_separable_conv2d            1  (-1, 11, 11, 32)     1312        0        32    0.29      158752           0            0 |
| flatten                           -        (-1, 3872)        0        0         0       0           0           0            0 |
| dense                             -          (-1, 10)        0        0     38730  151.29           0           0        38720 |
+--------------------------------------------------------------------------------------------------------------------------------+
| Total                                                     1600      288     38858  152.05      158752       34848      1218368 |
+--------------------------------------------------------------------------------------------------------------------------------+
+sequential summary-----------------------------+
| Total params                       40.7 k     |
| Trainable params                   1.95 k     |
| Non-trainable params               38.8 k     |
| Model size                         152.05 KiB |
| Model size (8-bit FP weights)      38.21 KiB  |
| Float-32 Equivalent                159.16 KiB |
| Compression Ratio of Memory        0.96       |
| Number of MACs                     1.41 M     |
| Ratio of MACs that are binarized   0.1124     |
| Ratio of MACs that are ternarized  0.0247     |
+-----------------------------------------------+
`;

/** `test_summary 2`: a Sequential model with one weightless Lambda layer. */
export const SNAP_SUMMARY_2 = `+sequential_1 stats--------------------+
| Layer   Input prec.  Outputs  Memory |
|               (bit)             (kB) |
+--------------------------------------+
| lambda            -     (2,)       0 |
+--------------------------------------+
| Total                              0 |
+--------------------------------------+
+sequential_1 summary-------------------+
| Total params                   0      |
| Trainable params               0      |
| Non-trainable params           0      |
| Model size                     0.00 B |
| Model size (8-bit FP weights)  0.00 B |
| Float-32 Equivalent            0.00 B |
| Compression Ratio of Memory    0.00   |
| Number of MACs                 0      |
+---------------------------------------+
`;

/** `test_subclass_model_summary 1`: a subclassed model whose layers have no symbolic output shape. */
export const SNAP_SUBCLASS = `+toy_model stats-------------------------------------------------------------+
| Layer                     Input prec.   Outputs  # 1-bit  # 32-bit  Memory |
|                                 (bit)                x 1       x 1    (kB) |
+----------------------------------------------------------------------------+
| quant_conv2d                        -  multiple      864        32    0.23 |
| global_average_pooling2d            -  multiple        0         0       0 |
| dense                               -  multiple        0       330    1.29 |
+----------------------------------------------------------------------------+
| Total                                                864       362    1.52 |
+----------------------------------------------------------------------------+
+toy_model summary------------------------+
| Total params                   1.23 k   |
| Trainable params               1.23 k   |
| Non-trainable params           0        |
| Model size                     1.52 KiB |
| Model size (8-bit FP weights)  470.00 B |
| Float-32 Equivalent            4.79 KiB |
| Compression Ratio of Memory    0.32     |
| Number of MACs                 0        |
+-----------------------------------------+
`;

/** `test_functional_model_summary 1`: a functional model (input, QuantConv2D, a TF op layer). */
export const SNAP_FUNCTIONAL = `+model stats-----------------------------------------------------------------------------+
| Layer            Input prec.           Outputs  # 1-bit  # 32-bit  Memory  32-bit MACs |
|                        (bit)                        x 1       x 1    (kB)              |
+----------------------------------------------------------------------------------------+
| input_1                    -   (-1, 32, 32, 3)        0         0       0            ? |
| quant_conv2d               -  (-1, 32, 32, 32)      864        32    0.23       884736 |
| tf_op_layer_Mul            -  (-1, 32, 32, 32)        0         0       0            ? |
+----------------------------------------------------------------------------------------+
| Total                                               864        32    0.23       884736 |
+----------------------------------------------------------------------------------------+
+model summary----------------------------+
| Total params                   896      |
| Trainable params               896      |
| Non-trainable params           0        |
| Model size                     236.00 B |
| Model size (8-bit FP weights)  140.00 B |
| Float-32 Equivalent            3.50 KiB |
| Compression Ratio of Memory    0.07     |
| Number of MACs                 885 k    |
+-----------------------------------------+
`;

/**
 * `test_submodel_summary 1` (larq ≥ 0.12.2): larq's profile model with its layers 2–4 (depthwise
 * convolution, batch normalization, separable convolution) moved into a nested Sequential.
 */
export const SNAP_SUBMODEL = `+sequential_6 stats-------------------------------------------------------------------------------------------------------+
| Layer            Input prec.           Outputs  # 1-bit  # 2-bit  # 32-bit  Memory  1-bit MACs  2-bit MACs  32-bit MACs |
|                        (bit)                        x 1      x 1       x 1    (kB)                                      |
+-------------------------------------------------------------------------------------------------------------------------+
| quant_conv2d_2             -  (-1, 64, 64, 32)      288        0        32    0.16           0           0      1179648 |
| max_pooling2d_2            -  (-1, 32, 32, 32)        0        0         0       0           0           0            0 |
| sequential_5               2  (-1, 11, 11, 32)     1312      288        96    0.61      158752       34848            0 |
| flatten_2                  -        (-1, 3872)        0        0         0       0           0           0            0 |
| dense_2                    -          (-1, 10)        0        0     38730  151.29           0           0        38720 |
+-------------------------------------------------------------------------------------------------------------------------+
| Total                                              1600      288     38858  152.05      158752       34848      1218368 |
+-------------------------------------------------------------------------------------------------------------------------+
+sequential_6 summary---------------------------+
| Total params                       40.7 k     |
| Trainable params                   1.95 k     |
| Non-trainable params               38.8 k     |
| Model size                         152.05 KiB |
| Model size (8-bit FP weights)      38.21 KiB  |
| Float-32 Equivalent                159.16 KiB |
| Compression Ratio of Memory        0.96       |
| Number of MACs                     1.41 M     |
| Ratio of MACs that are binarized   0.1124     |
| Ratio of MACs that are ternarized  0.0247     |
+-----------------------------------------------+
`;

/*
 * Not a published snapshot: printed by real larq 0.14.0 (TensorFlow 2.16, TF_USE_LEGACY_KERAS=1)
 * for the Keras model below, to cover a nested functional model (whose first layer is an input
 * layer), a Sequential nested two levels deep and a frozen nested Sequential:
 *
 *   inp = tf.keras.Input((16, 16, 3), name="image")
 *   x = lq.layers.QuantConv2D(8, 3, kernel_quantizer="ste_sign", kernel_constraint="weight_clip",
 *                             use_bias=False, name="stem")(inp)
 *   block_in = tf.keras.Input((14, 14, 8), name="block_input")
 *   y = lq.layers.QuantConv2D(16, 3, padding="same", input_quantizer="ste_sign",
 *                             kernel_quantizer="ste_sign", use_bias=False, name="block_conv")(block_in)
 *   y = tf.keras.layers.BatchNormalization(name="block_bn")(y)
 *   tern = tf.keras.Sequential([
 *       lq.layers.QuantDepthwiseConv2D(3, padding="same", input_quantizer=lq.quantizers.SteTern(),
 *           depthwise_quantizer=lq.quantizers.SteTern(), use_bias=False, input_shape=(14, 14, 16),
 *           name="tern_dw"),
 *       tf.keras.layers.MaxPooling2D(2, name="pool")], name="tern_block")
 *   block = tf.keras.Model(block_in, tern(y), name="block")
 *   x = block(x)
 *   x = tf.keras.layers.GlobalAveragePooling2D(name="gap")(x)
 *   x = tf.keras.layers.Dense(10, name="logits")(x)
 *   frozen = tf.keras.Sequential([tf.keras.layers.Dense(4, input_shape=(10,), name="frozen_dense")],
 *                                name="frozen_head")
 *   frozen.trainable = False
 *   model = tf.keras.Model(inp, frozen(x), name="nested_functional")
 *   lq.models.summary(model)   # SNAP_NESTED_FUNCTIONAL
 *   block.trainable = False
 *   lq.models.summary(model)   # SNAP_NESTED_FUNCTIONAL_FROZEN_BLOCK
 */

/** The model above, printed by larq 0.14.0. */
export const SNAP_NESTED_FUNCTIONAL = `+nested_functional stats---------------------------------------------------------------------------------------------+
| Layer        Input prec.          Outputs  # 1-bit  # 2-bit  # 32-bit  Memory  1-bit MACs  2-bit MACs  32-bit MACs |
|                    (bit)                       x 1      x 1       x 1    (kB)                                      |
+--------------------------------------------------------------------------------------------------------------------+
| image                  -  (-1, 16, 16, 3)        0        0         0       0           ?           ?            ? |
| stem                   -  (-1, 14, 14, 8)      216        0         0    0.03           0           0        42336 |
| block                  -   (-1, 7, 7, 16)     1152      144        32    0.30      225792       28224            0 |
| gap                    -         (-1, 16)        0        0         0       0           ?           ?            ? |
| logits                 -         (-1, 10)        0        0       170    0.66           0           0          160 |
| frozen_head            -          (-1, 4)        0        0        44    0.17           0           0           40 |
+--------------------------------------------------------------------------------------------------------------------+
| Total                                         1368      144       246    1.16      225792       28224        42536 |
+--------------------------------------------------------------------------------------------------------------------+
+nested_functional summary--------------------+
| Total params                       1.76 k   |
| Trainable params                   1.68 k   |
| Non-trainable params               76       |
| Model size                         1.16 KiB |
| Model size (8-bit FP weights)      453.00 B |
| Float-32 Equivalent                6.87 KiB |
| Compression Ratio of Memory        0.17     |
| Number of MACs                     297 k    |
| Ratio of MACs that are binarized   0.7614   |
| Ratio of MACs that are ternarized  0.0952   |
+---------------------------------------------+
`;

/** The model above after `block.trainable = False`, printed by larq 0.14.0. */
export const SNAP_NESTED_FUNCTIONAL_FROZEN_BLOCK = `+nested_functional stats---------------------------------------------------------------------------------------------+
| Layer        Input prec.          Outputs  # 1-bit  # 2-bit  # 32-bit  Memory  1-bit MACs  2-bit MACs  32-bit MACs |
|                    (bit)                       x 1      x 1       x 1    (kB)                                      |
+--------------------------------------------------------------------------------------------------------------------+
| image                  -  (-1, 16, 16, 3)        0        0         0       0           ?           ?            ? |
| stem                   -  (-1, 14, 14, 8)      216        0         0    0.03           0           0        42336 |
| block                  -   (-1, 7, 7, 16)     1152      144        32    0.30      225792       28224            0 |
| gap                    -         (-1, 16)        0        0         0       0           ?           ?            ? |
| logits                 -         (-1, 10)        0        0       170    0.66           0           0          160 |
| frozen_head            -          (-1, 4)        0        0        44    0.17           0           0           40 |
+--------------------------------------------------------------------------------------------------------------------+
| Total                                         1368      144       246    1.16      225792       28224        42536 |
+--------------------------------------------------------------------------------------------------------------------+
+nested_functional summary--------------------+
| Total params                       1.76 k   |
| Trainable params                   386      |
| Non-trainable params               1.37 k   |
| Model size                         1.16 KiB |
| Model size (8-bit FP weights)      453.00 B |
| Float-32 Equivalent                6.87 KiB |
| Compression Ratio of Memory        0.17     |
| Number of MACs                     297 k    |
| Ratio of MACs that are binarized   0.7614   |
| Ratio of MACs that are ternarized  0.0952   |
+---------------------------------------------+
`;
