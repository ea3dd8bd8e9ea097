"""An exponential moving average (EMA) of a network's trainable weights.

After each update of the network's weights w_t (t = 1, 2, ...),

    e_t = d e_{t-1} + (1 - d) w_t,    e_0 = w_0 (the weights when the average is made),

so e_t = d^t w_0 + (1 - d) sum_{s=1..t} d^(t-s) w_s. The averaged network is the same
network called with e in place of its trainable weights (``keras.Model.stateless_call``)
and with its own non-trainable weights (batch-norm moving statistics, which are
averages already). The averages are non-trainable Keras variables of this layer, so a
model that holds it keeps them in ``model.variables`` (and so in its checkpoints).
"""
import keras


class WeightAverage(keras.layers.Layer):
    """EMA ``e`` of ``network.trainable_variables`` with decay ``d`` in (0, 1).

    ``update()`` applies one step of the recursion; ``__call__(inputs, training=False)``
    runs the network with the averaged weights.

    Args:
        network: the keras model whose trainable weights are averaged (e_0 = its weights).
        decay: d.
        name: the layer's name.

    Raises:
        ValueError: ``decay`` outside (0, 1).
    """

    def __init__(self, network, decay, name="weight_average"):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"the weight average's decay must lie in (0, 1), got {decay}")
        super().__init__(name=name, dtype=network.dtype_policy)
        self.network = network
        self.decay = float(decay)
        self.averages = []
        for variable in network.trainable_variables:
            average = self.add_weight(shape=variable.shape, initializer="zeros",
                                      dtype=variable.dtype, trainable=False,
                                      name=variable.path.replace("/", "_"),
                                      aggregation="only_first_replica")
            average.assign(variable)
            self.averages.append(average)
        self.built = True  # its weights exist: fit under a strategy must not build it on data

    def update(self):
        """e <- d e + (1 - d) w for every trainable weight w of the network."""
        for average, variable in zip(self.averages, self.network.trainable_variables):
            average.assign(self.decay * average + (1.0 - self.decay) * variable)

    def call(self, inputs, training=False):
        """The network's outputs for ``inputs`` with the averaged weights e."""
        outputs, _ = self.network.stateless_call(
            [a.value for a in self.averages],
            [v.value for v in self.network.non_trainable_variables], inputs, training=training)
        return outputs
