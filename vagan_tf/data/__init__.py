"""tf.data pipelines: toy samplers, tfds image sets, a folder of images, the offline MNIST digits."""
from vagan_tf.data import pipelines
from vagan_tf.data.pipelines import (sampler_dataset, step_counter, to_unit_range,
                                     fit_to_resolution, centre_crop, image_batches, TFDS_SETS,
                                     tfds_images, MNIST_5K, verify_sha256, load_digits,
                                     offline_digits, ImageFolder, image_files)

__all__ = ["ImageFolder", "MNIST_5K", "TFDS_SETS", "centre_crop", "fit_to_resolution", "image_batches", "image_files",
           "load_digits", "offline_digits", "pipelines", "sampler_dataset", "step_counter",
           "tfds_images", "to_unit_range", "verify_sha256"]
