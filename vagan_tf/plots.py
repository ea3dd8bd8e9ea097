"""PNG figures of samples: 2-D scatter plots and image grids."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)
import numpy as np  # noqa: E402


def image_grid(images, columns=None, padding=1):
    """Images [n, h, w, c] in [-1, 1] -> one uint8 picture [H, W, c] of a near-square grid.

    Cells are separated by ``padding`` white pixels; empty cells are white.
    """
    images = np.asarray(images, np.float32)
    if images.ndim != 4:
        raise ValueError(f"image_grid expects images (n, h, w, c); got {images.shape}")
    n, height, width, channels = images.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    grid = np.ones((rows * (height + padding) + padding, columns * (width + padding) + padding,
                    channels), np.float32)
    for i, image in enumerate(np.clip((images + 1.0) / 2.0, 0.0, 1.0)):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        grid[top:top + height, left:left + width] = image
    return np.round(grid * 255).astype(np.uint8)


def save_samples_png(samples, path, title=None, max_images=64):
    """A scatter plot of 2-D points [n, 2], or a grid of the first ``max_images`` images."""
    samples = np.asarray(samples)
    if samples.ndim == 4:
        grid = image_grid(samples[:max_images])
        plt.imsave(path, grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray")
        return
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"can plot 2-D points (n, 2) or images (n, h, w, c); got {samples.shape}")
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(*samples.T, s=2, c="tab:blue", alpha=0.5)
    ax.set_aspect("equal")
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
