"""PNG figures of samples: 2-D scatter plots and image grids."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402


def save_samples_png(samples, path, title=None):
    """A scatter plot of 2-D points [n, 2] or a grid of images [n, h, w, c] in [-1, 1]."""
    samples = np.asarray(samples)
    if samples.ndim == 2 and samples.shape[1] == 2:
        fig, ax = plt.subplots(figsize=(5, 5))
        ax.scatter(*samples.T, s=2, c="tab:blue", alpha=0.5)
        ax.set_aspect("equal")
    elif samples.ndim == 4:
        side = int(np.ceil(np.sqrt(len(samples))))
        images = np.clip((samples + 1.0) / 2.0, 0.0, 1.0)  # generators emit [-1, 1]
        fig, axes = plt.subplots(side, side, figsize=(side, side))
        for ax, image in zip(np.ravel(axes), images):
            ax.imshow(image.squeeze(-1) if image.shape[-1] == 1 else image, cmap="gray")
        for ax in np.ravel(axes):
            ax.axis("off")
    else:
        raise ValueError(f"can plot 2-D points (n, 2) or images (n, h, w, c); got {samples.shape}")
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
