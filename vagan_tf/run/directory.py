"""A run's directory: one writer, one configuration, and resuming from the checkpoints on disk.

``GANExperiment`` and ``RLExperiment`` both keep a run in ``model_dir`` and count it in
steps (generator steps; environment steps) checkpointed once per epoch of
``steps_per_epoch`` steps; this base class holds what they share. What a run directory
promises:

* **One writer.** A process that trains or exports holds ``D/lock`` (an OS lock,
  released when the process ends, however it ends); a second one is refused.
* **One configuration.** Once a checkpoint exists, ``D/config.gin`` is the run's:
  resuming with bindings that differ from it is refused with the bindings that changed,
  unless the only change is the run's length (``begin(extend=True)``, ``vagan train
  --extend``) or its placement (``PLACEMENT_BINDINGS``: strategy, steps per execution).
  A length shorter than the step trained is refused, and so is a length change that
  would re-stretch a schedule reading it (``%TOTAL_STEPS``) mid-run, unless
  ``stretch_schedules`` (``--stretch_schedules``) accepts that.
* **No silent restart.** A directory with records of a trained run (``metrics.json``
  beyond the first epoch, ``exports/``, ``evaluation.json``) but no checkpoint is refused.
* **Resume from what exists.** The newest readable ``ckpt-*`` is restored, whatever the
  ``checkpoint`` state file says; unreadable ones are named and skipped with a warning,
  and a directory whose checkpoints are all unreadable is refused, never restarted.
* **Checks first.** Nothing in ``D`` is written before every check above has passed.
"""
import contextlib
import fcntl
import glob
import json
import logging
import os
import re
import shutil
import socket

import gin
import numpy as np
import tensorflow as tf

from vagan_tf.config.checks import RunDirectoryError

LENGTH_BINDINGS = re.compile(r"(^|\.)(total_steps|total_env_steps|TOTAL_STEPS|TOTAL_ENV_STEPS)$")
# the run's own length: what --extend changes; every other binding whose value follows it
# (a schedule's total_steps = %TOTAL_STEPS) is a schedule that a change re-stretches
RUN_LENGTH_BINDINGS = re.compile(r"(^|/)(GANExperiment\.total_steps|RLExperiment\.total_env_steps|"
                                 r"TOTAL_STEPS|TOTAL_ENV_STEPS)$")
TRAINED_RUN_FILES = ("exports", "export", "evaluation.json")  # written only from a checkpoint
RUN_SUBDIRECTORIES = ("checkpoints", "logs", "samples", "exports")
# where and how a run executes and prints, not what it computes: free to change on resume
# (a one-device run resumes under a strategy and back; see vagan_tf.run.strategies)
PLACEMENT_BINDINGS = re.compile(r"^(experiment\.factory|distributed_experiment\.|mirrored\.|"
                                r"multi_worker_mirrored\.|tpu\.)|(^|\.)(verbose|steps_per_execution)$")


def config_bindings(text):
    """``{name: value}`` of the bindings in a gin config text as ``gin.config_str()`` writes it.

    A binding is a line ``name = value`` at column 0; indented lines continue its value.

    Args:
        text: the config text.

    Returns:
        ``{name: value text}``; other lines at column 0 (imports) map to ''.
    """
    bindings, name = {}, None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace() and name is not None:
            bindings[name] += "\n" + line
        elif " = " in line:
            name, value = line.split(" = ", 1)
            bindings[name.strip()] = value.strip()
        else:  # import lines and the like
            name = line.strip()
            bindings[name] = ""
    return bindings


def config_changes(old_text, new_text):
    """The bindings that differ between two config texts: ``[(name, old, new)]``, None if absent.

    Args:
        old_text: the run's config text.
        new_text: the config text to compare with it.

    Returns:
        The changed bindings sorted by name, ``PLACEMENT_BINDINGS`` left out.
    """
    old, new = config_bindings(old_text), config_bindings(new_text)
    return [(name, old.get(name), new.get(name)) for name in sorted(set(old) | set(new))
            if old.get(name) != new.get(name) and not PLACEMENT_BINDINGS.search(name)]


def restretched_schedules(old_text, new_text):
    """The bindings, other than the run's length, whose value (macros resolved) differs
    between two config texts that differ in length bindings only: the schedules that read
    ``%TOTAL_STEPS`` or got another horizon (``[(name, old value, new value)]``).

    Args:
        old_text: the run's config text.
        new_text: the config text to compare with it.

    Returns:
        The changed bindings bound in both texts, sorted by name, with their resolved values.
    """
    old, new = config_bindings(old_text), config_bindings(new_text)
    return [(name, _resolved(old, name), _resolved(new, name))
            for name in sorted(set(old) & set(new)) if not RUN_LENGTH_BINDINGS.search(name)
            and _resolved(old, name) != _resolved(new, name)]


def _resolved(bindings, name):
    """The value of binding ``name`` with ``%MACRO`` references followed (at most 10 deep)."""
    value = bindings.get(name)
    for _ in range(10):
        match = re.fullmatch(r"%([\w./]+)", value or "")
        if not match or match.group(1) not in bindings:
            break
        value = bindings[match.group(1)]
    return value


def checkpoints_on_disk(directory):
    """``[(step, absolute prefix)]`` of the ``ckpt-<step>`` files in ``directory``, newest first.

    Args:
        directory: the checkpoints' folder (it need not exist).

    Returns:
        The list, empty when there is no checkpoint.
    """
    found = []
    for index in glob.glob(os.path.join(os.path.abspath(directory), "ckpt-*.index")):
        match = re.fullmatch(r"ckpt-(\d+)\.index", os.path.basename(index))
        if match:
            found.append((int(match.group(1)), index[:-len(".index")]))
    return sorted(found, reverse=True)


class RunDirectory:
    """Base of the experiments. A subclass sets ``model_dir`` and ``steps_per_epoch``, calls
    ``keep_checkpoints``, returns its step counter from ``step()`` and writes its export in
    ``_write_export()``."""

    def path(self, *names):
        """A path inside the run's directory.

        Args:
            *names: the path's parts below ``model_dir``.

        Returns:
            ``os.path.join(model_dir, *names)``.
        """
        return os.path.join(self.model_dir, *names)

    def step(self):
        """The run's step, as its checkpointed counter holds it."""
        raise NotImplementedError

    def length(self):
        """The run's length in steps (``total_steps``, ``total_env_steps``)."""
        raise NotImplementedError

    def keep_checkpoints(self, checkpoint, max_to_keep):
        """Checkpoints ``checkpoint`` into ``D/checkpoints``, keeping the newest ``max_to_keep``.

        Args:
            checkpoint: the run's ``tf.train.Checkpoint``.
            max_to_keep: the number of checkpoints kept.
        """
        self.checkpoint = checkpoint
        self.checkpoints_to_keep = max_to_keep
        try:
            self.checkpoint_manager = tf.train.CheckpointManager(
                checkpoint, self.path("checkpoints"), max_to_keep=max_to_keep)
        except Exception as error:  # noqa: BLE001  (a damaged state file fails in many ways)
            # restore() takes the newest readable checkpoint on disk; begin() rewrites the file
            logging.warning("%s is unreadable (%s); it is ignored", self.path("checkpoints",
                            "checkpoint"), _first_line(error))
            self.checkpoint_manager = None

    # ------------------------------------------------------------------ one writer
    @contextlib.contextmanager
    def lock(self):
        """Holds ``D/lock`` while the block runs (creating D if needed); refuses if it is held.

        Raises:
            RunDirectoryError: D is a file or cannot be written, or another process holds the
                lock.
        """
        if os.path.exists(self.model_dir) and not os.path.isdir(self.model_dir):
            raise RunDirectoryError(f"{self.model_dir} is a file, not a run directory")
        try:
            os.makedirs(self.model_dir, exist_ok=True)
            handle = open(self.path("lock"), "a+", encoding="utf-8")
        except OSError as error:
            raise RunDirectoryError(f"cannot write the run directory {self.model_dir}: "
                                    f"{error.strerror or error}") from None
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = lock_holder(self.path("lock"))
                holder = f"process {holder}" if holder else "another process"
                raise RunDirectoryError(
                    f"{self.model_dir} is in use by {holder} (it holds {self.path('lock')}); "
                    "wait for it to finish or use another model directory") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"process {os.getpid()} on {socket.gethostname()}\n")
            handle.flush()
            try:
                yield
            except BaseException:
                self.remove_temporary_checkpoints()
                raise
        finally:
            handle.close()  # closing the file releases the lock

    def remove_temporary_checkpoints(self):
        """Removes what a checkpoint write cut short leaves (``ckpt-N_temp/``, ``checkpoint.tmp*``):
        the checkpoints written before it stay."""
        for leftover in (glob.glob(self.path("checkpoints", "*_temp*"))
                         + glob.glob(self.path("checkpoints", "*.tmp*"))):
            if os.path.isdir(leftover) and not os.path.islink(leftover):
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.remove(leftover)

    # ------------------------------------------------------------------ resuming
    def restore(self):
        """Restores the newest readable checkpoint, if any; returns the step it resumes at.

        Sets ``restored_from`` to that checkpoint's prefix (None for a new run).

        Returns:
            The step of the restored checkpoint, or the current step when there is none.

        Raises:
            RunDirectoryError: there are checkpoints and none can be restored.
        """
        directory = self.path("checkpoints")
        on_disk = checkpoints_on_disk(directory)
        named = _absolute(self._latest_named())
        self.restored_from = None
        if not on_disk:
            return self.step()
        if named != on_disk[0][1]:
            logging.warning("%s names %s, but the newest checkpoint on disk is %s; restoring "
                            "the newest readable one", os.path.join(directory, "checkpoint"),
                            named, on_disk[0][1])
        failures = []
        for _, prefix in on_disk:
            try:
                self.checkpoint.restore(prefix).assert_existing_objects_matched()
            except Exception as error:  # noqa: BLE001  (a damaged file fails in many ways)
                failures.append(f"{os.path.basename(prefix)} ({_first_line(error)})")
                logging.warning("checkpoint %s is unreadable: %s", prefix, _first_line(error))
                continue
            self.restored_from = prefix
            return self.step()
        raise RunDirectoryError(
            f"no checkpoint in {directory} can be restored: {'; '.join(failures)}; refusing to "
            "start over them (move the directory away to start afresh)")

    def begin(self, extend=False, stretch_schedules=False):
        """Checks ``D`` and restores; returns the step to resume at (0 for a new run).

        Call it holding ``lock()``. Refuses a configuration that differs from
        ``D/config.gin`` (``extend``: except in the run's length; a length change that
        re-stretches a schedule only with ``stretch_schedules``), a length shorter than the
        step trained, records of a trained run without its checkpoints, and an unreadable
        ``D/metrics.json``; only after every check writes ``D/config.gin``.

        Args:
            extend: allow a length that differs from the run's.
            stretch_schedules: allow a length change that re-stretches schedules.

        Returns:
            The step to resume at.

        Raises:
            RunDirectoryError: any of the refusals above, or a checkpoint step that is not a
                multiple of ``steps_per_epoch``.
        """
        config = gin.config_str()
        self._check_layout()
        self._check_config(config, extend, stretch_schedules)
        self._check_metrics()
        start = self.restore()
        if start % self.steps_per_epoch:
            raise RunDirectoryError(
                f"checkpoint step {start} in {self.path('checkpoints')} is not a multiple of "
                f"steps_per_epoch ({self.steps_per_epoch})")
        if start > self.length():
            raise RunDirectoryError(
                f"{self.model_dir} is trained to step {start}, beyond the run's length "
                f"{self.length()}; give a length of at least {start}")
        if self.checkpoint_manager is None or (
                self.restored_from and self.restored_from != _absolute(self._latest_named())):
            self._repair_checkpoint_state()
        write_text_atomically(self.path("config.gin"), config)
        return start

    def _check_config(self, config, extend, stretch_schedules=False):
        path = self.path("config.gin")
        trained = bool(checkpoints_on_disk(self.path("checkpoints")))
        if not trained:
            self._check_nothing_trained()
        if not os.path.exists(path):
            if trained:
                raise RunDirectoryError(f"{self.path('checkpoints')} holds checkpoints but {path} "
                                        "is missing; refusing to resume a run of unknown bindings")
            return
        if not trained:  # nothing was trained under the old bindings: the new ones replace them
            return
        with open(path, encoding="utf-8") as f:
            old_text = f.read()
        changes = config_changes(old_text, config)
        if extend:
            changes = [change for change in changes if not LENGTH_BINDINGS.search(change[0])]
        if changes:
            diff = "; ".join(f"{name}: {old if old is not None else '(unset)'} -> "
                             f"{new if new is not None else '(unset)'}"
                             for name, old, new in changes)
            hint = ("" if extend else " (--extend allows a longer or shorter run)")
            raise RunDirectoryError(
                f"{self.model_dir} is a run with other bindings; changed: {diff}. Resume it with "
                f"the bindings of {path}{hint}, or use another model directory")
        stretched = [] if stretch_schedules else restretched_schedules(old_text, config)
        if stretched:
            names = ", ".join(f"{name} ({old} -> {new})" for name, old, new in stretched)
            raise RunDirectoryError(
                f"changing the length of {self.model_dir} re-stretches its schedules mid-run: "
                f"{names}; give --stretch_schedules to accept that, or bind them to their "
                "trained values to keep them")

    def _check_nothing_trained(self):
        """Refuses a directory without checkpoints that holds what only a trained run writes."""
        found = [name for name in TRAINED_RUN_FILES if os.path.lexists(self.path(name))]
        metrics = self.path("metrics.json")
        if os.path.exists(metrics):
            steps = [r.get("step", 0) for r in read_records(metrics) if isinstance(r, dict)]
            if any(step > self.steps_per_epoch for step in steps):
                found.append(f"metrics.json (records to step {max(steps)})")
        if found:
            raise RunDirectoryError(
                f"{self.path('checkpoints')} holds no checkpoint, but {self.model_dir} holds "
                f"{', '.join(found)} of a trained run; refusing to start a new run over it "
                "(restore its checkpoints, or move the directory away to start afresh)")

    def _check_layout(self):
        """Refuses a file where the run keeps a directory."""
        for name in RUN_SUBDIRECTORIES:
            if os.path.lexists(self.path(name)) and not os.path.isdir(self.path(name)):
                raise RunDirectoryError(f"{self.path(name)} is a file; the run keeps a directory "
                                        "there (move the file away)")

    def _check_metrics(self):
        path = self.path("metrics.json")
        if os.path.exists(path):
            read_records(path)

    def _latest_named(self):
        """The checkpoint that the state file names (None if it is unreadable)."""
        return self.checkpoint_manager.latest_checkpoint if self.checkpoint_manager else None

    def _repair_checkpoint_state(self):
        """Rewrites ``D/checkpoints/checkpoint`` to list the checkpoints on disk up to the restored one."""
        if self.restored_from is None:  # nothing to list: an unreadable state file goes
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path("checkpoints", "checkpoint"))
            self.keep_checkpoints(self.checkpoint, self.checkpoints_to_keep)
            return
        kept = [prefix for _, prefix in reversed(checkpoints_on_disk(self.path("checkpoints")))]
        kept = kept[:kept.index(self.restored_from) + 1]
        tf.compat.v1.train.update_checkpoint_state(
            self.path("checkpoints"), self.restored_from, all_model_checkpoint_paths=kept)
        self.keep_checkpoints(self.checkpoint, self.checkpoints_to_keep)

    def export(self):
        """Writes ``D/export`` from the current weights, holding the lock; returns its path.

        Returns:
            The export's path.

        Raises:
            RunDirectoryError: the lock cannot be taken.
        """
        with self.lock():
            return self._write_export()

    def export_latest(self):
        """Restores the newest checkpoint and exports it, holding the lock; returns (step, path).

        Returns:
            (the checkpoint's step, the export's path).

        Raises:
            RunDirectoryError: no checkpoint, none readable, or the lock cannot be taken.
        """
        with self.lock():
            step = self.restore()
            if self.restored_from is None:
                raise RunDirectoryError(f"no checkpoint in {self.path('checkpoints')} to export")
            return step, self._write_export()

    def _write_export(self):
        raise NotImplementedError

    def write_operative_config(self):
        """Writes ``operative_config.gin``: the bindings the run actually used."""
        write_text_atomically(self.path("operative_config.gin"), gin.operative_config_str())


def lock_holder(path):
    """The id of the process holding the ``flock`` on ``path``, from ``/proc/locks`` (Linux);
    None where that cannot be told.

    Args:
        path: the lock file.

    Returns:
        The process id (an int), or None.
    """
    try:
        inode = os.stat(path).st_ino
        with open("/proc/locks", encoding="utf-8") as f:
            for line in f:
                fields = line.split()
                # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; "->" marks a waiting lock
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[2] != "->" \
                        and fields[5].rsplit(":", 1)[-1] == str(inode):
                    return int(fields[4])
    except (OSError, ValueError):
        return None
    return None


def read_records(path):
    """The JSON list of evaluation records in ``path``; names the file if it is damaged.

    Args:
        path: a ``metrics.json`` file.

    Returns:
        The list of records (dicts).

    Raises:
        RunDirectoryError: the file is not JSON, or not a list of objects.
    """
    try:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
    except ValueError as error:
        raise RunDirectoryError(f"{path} is not a readable JSON list of records ({error}); "
                                "repair it or move it aside to resume") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        what = (type(records).__name__ if not isinstance(records, list) else
                "list with " + next(type(r).__name__ for r in records if not isinstance(r, dict)))
        raise RunDirectoryError(f"{path} holds a {what}, not a list of records; repair it or "
                                "move it aside to resume")
    return records


@contextlib.contextmanager
def atomic_file(path, mode="w", tmp_suffix=".tmp"):
    """Yields a file open on ``path + tmp_suffix``; when the block ends, syncs it to disk and
    renames it ``path``. A failure (a full disk, a file size limit, Ctrl-C) removes it: a
    reader, or a process killed meanwhile, finds the old ``path`` or the new one.

    Args:
        path: the file to write.
        mode: the ``open`` mode ('w' opens text as UTF-8; 'wb' for bytes).
        tmp_suffix: the suffix of the temporary file.

    Yields:
        The open temporary file.
    """
    tmp = f"{path}{tmp_suffix}"
    try:
        with open(tmp, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_text_atomically(path, text):
    """Writes ``text`` to ``path`` atomically and durably (``atomic_file``).

    Args:
        path: the file to write.
        text: its content.
    """
    with atomic_file(path) as f:
        f.write(text)


def write_json_atomically(path, value):
    """Writes ``value`` as JSON to ``path``, as ``write_text_atomically`` does.

    Args:
        path: the file to write.
        value: a JSON-serialisable value (NumPy scalars and arrays included).

    Raises:
        TypeError: ``value`` holds something else.
    """
    write_text_atomically(path, json.dumps(value, indent=1, default=_plain))


def _plain(value):
    """NumPy scalars and arrays as JSON's numbers and lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def append_record(path, record):
    """Adds ``record`` to the records in ``path``, replacing any earlier record of its step.

    Args:
        path: a ``metrics.json`` file (created if absent).
        record: a dict with a ``step``.

    Raises:
        RunDirectoryError: the existing file is damaged (``read_records``).
    """
    records = read_records(path) if os.path.exists(path) else []
    records = [r for r in records if r.get("step") != record.get("step")] + [record]
    write_json_atomically(path, records)


def _absolute(prefix):
    return os.path.abspath(prefix) if prefix else None


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
