"""Trains the offline extractor: the digit classifier behind classifier-FID/KID/IS.

    python scripts/train_digit_classifier.py [--epochs 30] [--out vagan_tf/assets/...]

Data: the 5 000 offline MNIST digits (``data.load_digits``), padded to 32x32 and
scaled to [-1, 1]; a fixed permutation (seed 0) holds out 500 digits for the test
accuracy printed at the end. Training augments with random shifts of up to 2 pixels.
"""
import argparse

import keras
import numpy as np

from vagan_tf import data
from vagan_tf.evaluation.extractors import DIGIT_WEIGHTS, build_digit_classifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--held_out", type=int, default=500)
    parser.add_argument("--out", default=DIGIT_WEIGHTS)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)
    images, labels = data.load_digits()
    images = data.fit_to_resolution(data.to_unit_range(images), 32).numpy()
    order = np.random.default_rng(0).permutation(len(images))
    test, train = order[:args.held_out], order[args.held_out:]

    classifier = build_digit_classifier()
    inputs = keras.Input((32, 32, 1))
    shifted = keras.layers.RandomTranslation(2 / 32, 2 / 32, fill_mode="constant",
                                             fill_value=-1.0)(inputs)
    trainer = keras.Model(inputs, classifier(shifted)[1])
    trainer.compile(optimizer=keras.optimizers.Adam(1e-3),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    trainer.fit(images[train], labels[train], batch_size=128, epochs=args.epochs, verbose=2,
                validation_data=(images[test], labels[test]))
    _, logits = classifier.predict(images[test], verbose=0)
    accuracy = float(np.mean(np.argmax(logits, 1) == labels[test]))
    classifier.save_weights(args.out)
    print(f"held-out accuracy {accuracy:.4f} on {len(test)} digits; weights in {args.out}")


if __name__ == "__main__":
    main()
