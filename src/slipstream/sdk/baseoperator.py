"""BaseOperator: one task of a DAG, as a DAG file builds it."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slipstream.sdk.dag import DAG, dag_context
from slipstream.sdk.dependencies import DependencyMixin, chain, chain_linear, cross_downstream
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.ids import validate_key
from slipstream.sdk.operator_api import OperatorApi, callbacks_list, warn_template_fields_string, warn_unapplied
from slipstream.sdk.param import ParamsDict
from slipstream.sdk.setup_teardown import SetupTeardownMixin, note_new_task
from slipstream.sdk.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from slipstream.sdk.task_group import TaskGroup
    from slipstream.sdk.xcom_arg import XComArg

__all__ = ["BaseOperator", "chain", "chain_linear", "cross_downstream"]

WEIGHT_RULES = ("downstream", "upstream", "absolute")
MAX_BACKOFF_DELAY = 24 * 60 * 60.0


def init_parameters(cls: type) -> Iterator[inspect.Parameter]:
    """The parameters of every ``__init__`` along the class's MRO (``self`` and ``*args``/``**kwargs`` left out)."""
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        for name, param in inspect.signature(getattr(init, "__wrapped__", init)).parameters.items():
            if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL) and name != "self":
                yield param


def _accepted_arguments(cls: type) -> frozenset[str]:
    return frozenset(param.name for param in init_parameters(cls))


def _apply_defaults(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap an operator's ``__init__`` so default_args of the DAG and task group fill in arguments."""

    @functools.wraps(init)
    def wrapper(self: BaseOperator, *args: Any, **kwargs: Any) -> None:
        if args:
            raise TypeError(f"{type(self).__name__}: use keyword arguments only (task_id=..., ...)")
        if getattr(self, "_init_depth", 0):
            init(self, **kwargs)
            return
        self._init_depth = 1
        try:
            from slipstream.sdk.task_group import task_group_context

            dag = kwargs.get("dag") or dag_context.current()
            group = kwargs.get("task_group") or task_group_context.current(dag)
            defaults: dict[str, Any] = {}
            if dag is not None:
                defaults.update(dag.default_args)
            if group is not None:
                defaults.update(group.default_args)
            defaults.update(kwargs.get("default_args") or {})
            accepted = type(self).accepted_arguments()
            for key, value in defaults.items():
                if key in accepted and key not in kwargs and key != "params":
                    kwargs[key] = value
            # dag.params already holds the DAG's default_args params, with the DAG's own params winning.
            params = ParamsDict(dag.params if dag is not None else {})
            if group is not None:
                params.update(group.default_args.get("params") or {})
            params.update((kwargs.get("default_args") or {}).get("params") or {})
            params.update(kwargs.get("params") or {})
            kwargs["params"] = params
            kwargs["dag"], kwargs["task_group"] = dag, group
            if "task_id" not in kwargs:
                raise TypeError(f"{type(self).__name__}: the argument 'task_id' is required")
            init(self, **kwargs)
        finally:
            self._init_depth = 0
        if self.dag is not None:
            self.attach_to_dag(self.dag)
        note_new_task(self)
        # A task output passed in a templated argument (bash_command=other.output) is an upstream.
        from slipstream.sdk.xcom_arg import find_xcom_args

        for field in self.template_fields:
            for arg in find_xcom_args(getattr(self, field, None)):
                self.set_upstream(arg)

    return wrapper


class BaseOperator(SetupTeardownMixin, OperatorApi, DependencyMixin):
    """A task: what to run, how often to retry it, and which tasks it depends on.

    Subclasses implement ``execute(context)``; its return value is pushed as the XCom
    ``return_value``.
    """

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    ui_color: str = "#fff"
    _accepted: frozenset[str] | None = None
    # Set on a mapped task (see slipstream.sdk.mapping): what it expands over and how to rebuild it.
    expand_input: Any = None
    partial_kwargs: dict[str, Any] | None = None
    mapped_field: str | None = None
    mapped_from: BaseOperator | None = None
    mapped_group: str | None = None  # the mapped task group whose input this task is mapped by

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._accepted = None
        if "__init__" in cls.__dict__:
            cls.__init__ = _apply_defaults(cls.__dict__["__init__"])  # type: ignore[method-assign]

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """``Operator.partial(task_id=..., constants...)``; then ``.expand(...)`` maps the task."""
        from slipstream.sdk.mapping import OperatorPartial

        return OperatorPartial(cls, kwargs)

    @property
    def is_mapped(self) -> bool:
        return self.expand_input is not None

    @classmethod
    def accepted_arguments(cls) -> frozenset[str]:
        if cls.__dict__.get("_accepted") is None:
            cls._accepted = _accepted_arguments(cls)
        return cls._accepted  # type: ignore[return-value]

    def __init__(
        self,
        *,
        task_id: str,
        owner: str = "airflow",
        email: str | Sequence[str] | None = None,
        email_on_failure: bool = True,
        email_on_retry: bool = True,
        retries: int | None = 0,
        retry_delay: timedelta | float = timedelta(seconds=300),
        retry_exponential_backoff: bool | float = False,
        max_retry_delay: timedelta | float | None = None,
        start_date: Any = None,
        end_date: Any = None,
        depends_on_past: bool = False,
        ignore_first_depends_on_past: bool = True,
        wait_for_downstream: bool = False,
        dag: DAG | None = None,
        params: Mapping[str, Any] | None = None,
        default_args: Mapping[str, Any] | None = None,
        priority_weight: int = 1,
        weight_rule: str = "downstream",
        queue: str = "default",
        pool: str | None = None,
        pool_slots: int = 1,
        execution_timeout: timedelta | float | None = None,
        on_execute_callback: Any = None,
        on_success_callback: Any = None,
        on_failure_callback: Any = None,
        on_retry_callback: Any = None,
        on_skipped_callback: Any = None,
        trigger_rule: str = TriggerRule.ALL_SUCCESS,
        task_display_name: str | None = None,
        doc_md: str | None = None,
        doc: str | None = None,
        map_index_template: str | None = None,
        max_active_tis_per_dag: int | None = None,
        max_active_tis_per_dagrun: int | None = None,
        do_xcom_push: bool = True,
        multiple_outputs: bool = False,
        task_group: TaskGroup | None = None,
        executor_config: dict[str, Any] | None = None,
        executor: str | None = None,
        sla: Any = None,
        run_as_user: str | None = None,
        resources: Any = None,
        inlets: Any = None,
        outlets: Any = None,
        # Airflow 3.3's arguments, kept (see OperatorApi and warn_unapplied for what they do here)
        retry_policy: Any = None,
        wait_for_past_depends_before_skipping: bool = False,
        pre_execute: Callable[[Any], Any] | None = None,
        post_execute: Callable[[Any, Any], Any] | None = None,
        doc_json: str | None = None,
        doc_yaml: str | None = None,
        doc_rst: str | None = None,
        logger_name: str | None = None,
        allow_nested_operators: bool = True,
        render_template_as_native_obj: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id}). "
                f"Invalid arguments were: {', '.join(f'{k}={v!r}' for k, v in kwargs.items())}. "
                f"Check their names against the arguments {type(self).__name__} takes."
            )
        validate_key("task_id", task_id)
        self.task_group = task_group
        self.task_id = task_group.child_id(task_id) if task_group is not None else task_id
        if self.task_id != task_id:
            validate_key("task_id", self.task_id)  # with its groups' prefix, as Airflow checks it
        self.owner = owner
        self.email = email
        self.email_on_failure = email_on_failure
        self.email_on_retry = email_on_retry
        if retries is None:
            retries = 0
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: retries must be a whole number of 0 or more, got {retries!r}"
            )
        self.retries = retries
        self.retry_delay = _as_timedelta(retry_delay, "retry_delay", self.task_id)
        self.retry_exponential_backoff = retry_exponential_backoff
        if not isinstance(retry_exponential_backoff, (bool, int, float)) or retry_exponential_backoff < 0:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: retry_exponential_backoff must be True/False or a multiplier of 0 or more, "
                f"got {retry_exponential_backoff!r}"
            )
        self.max_retry_delay = _as_timedelta(max_retry_delay, "max_retry_delay", self.task_id)
        self.start_date, self.end_date = start_date, end_date
        self.depends_on_past = depends_on_past
        self.ignore_first_depends_on_past = ignore_first_depends_on_past
        self.wait_for_downstream = wait_for_downstream
        self.params = params if isinstance(params, ParamsDict) else ParamsDict(params or {})
        if not isinstance(priority_weight, int) or isinstance(priority_weight, bool):
            raise DagDefinitionError(f"Task {self.task_id!r}: priority_weight must be a whole number")
        self.priority_weight = priority_weight
        if str(weight_rule) not in WEIGHT_RULES:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: unknown weight_rule {weight_rule!r}; use one of {', '.join(WEIGHT_RULES)}"
            )
        self.weight_rule = str(weight_rule)
        self.queue = queue
        self.pool = pool or "default_pool"
        if not isinstance(pool_slots, int) or pool_slots < 1:
            raise DagDefinitionError(f"Task {self.task_id!r}: pool_slots must be at least 1, got {pool_slots!r}")
        self.pool_slots = pool_slots
        self.execution_timeout = _as_timedelta(execution_timeout, "execution_timeout", self.task_id)
        self.on_execute_callback = callbacks_list(on_execute_callback)
        self.on_success_callback = callbacks_list(on_success_callback)
        self.on_failure_callback = callbacks_list(on_failure_callback)
        self.on_retry_callback = callbacks_list(on_retry_callback)
        self.on_skipped_callback = callbacks_list(on_skipped_callback)
        try:
            self.trigger_rule = TriggerRule.parse(trigger_rule, self.task_id)
        except ValueError as err:
            raise DagDefinitionError(str(err)) from None
        self.task_display_name = task_display_name or task_id
        self.doc, self.doc_md, self.doc_json, self.doc_yaml, self.doc_rst = doc, doc_md, doc_json, doc_yaml, doc_rst
        self.map_index_template = map_index_template
        self.max_active_tis_per_dag = max_active_tis_per_dag
        self.max_active_tis_per_dagrun = max_active_tis_per_dagrun
        self.do_xcom_push = do_xcom_push
        self.multiple_outputs = multiple_outputs
        self.executor_config = executor_config or {}
        self.executor, self.run_as_user, self.resources = executor, run_as_user, resources
        self.retry_policy = retry_policy  # sdk/retry_policy.py, asked by the runner after a failed try
        self.wait_for_past_depends_before_skipping = wait_for_past_depends_before_skipping
        self.pre_execute_hook, self.post_execute_hook = pre_execute, post_execute
        self.logger_name = logger_name
        self.allow_nested_operators = allow_nested_operators
        self.render_template_as_native_obj = render_template_as_native_obj
        warn_unapplied(self, {
            "sla": sla, "executor": executor,
            "run_as_user": run_as_user, "resources": resources,
            "executor_config": executor_config,
            "wait_for_past_depends_before_skipping": wait_for_past_depends_before_skipping,
        })
        if isinstance(self.template_fields, str):
            warn_template_fields_string(self)
            self.template_fields = [self.template_fields]
        self.inlets: list[Any] = _as_list(inlets)
        self.outlets: list[Any] = _as_list(outlets)
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self.dag: DAG | None = dag

    def attach_to_dag(self, dag: DAG) -> None:
        if self.dag is not None and self.dag is not dag:
            raise DagDefinitionError(f"Task {self.task_id!r} already belongs to DAG {self.dag.dag_id!r}")
        already = dag.task_dict.get(self.task_id) is self
        self.dag = dag
        dag.add_task(self)
        if not already:
            group = self.task_group or dag.task_group
            if group.dag is None:
                group.dag = dag
            group.add(self)
            self.task_group = group

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"

    def upstream_handles(self) -> Sequence[BaseOperator]:
        return [self]

    def downstream_handles(self) -> Sequence[BaseOperator]:
        return [self]

    @property
    def upstream_list(self) -> list[BaseOperator]:
        return [self.dag.task_dict[t] for t in sorted(self.upstream_task_ids)] if self.dag else []

    @property
    def downstream_list(self) -> list[BaseOperator]:
        return [self.dag.task_dict[t] for t in sorted(self.downstream_task_ids)] if self.dag else []

    @property
    def operator_name(self) -> str:
        return type(self).__name__

    @property
    def log(self) -> logging.Logger:
        name = getattr(self, "logger_name", None)
        return logging.getLogger(f"slipstream.task.operators.{name}" if name else "slipstream.task")

    @property
    def output(self) -> XComArg:
        from slipstream.sdk.xcom_arg import XComArg

        return XComArg(self)

    def next_retry_delay(self, try_number: int) -> timedelta:
        """How long to wait after try ``try_number`` failed."""
        return timedelta(
            seconds=retry_delay_seconds(
                _seconds_or_none(self.retry_delay) or 0.0,
                self.retry_exponential_backoff,
                _seconds_or_none(self.max_retry_delay),
                try_number,
            )
        )

    @property
    def runs_without_process(self) -> bool:
        """True when the scheduler can finish this task itself (an empty task with no callbacks)."""
        return False

    def execute(self, context: Mapping[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement execute(context)")

    def render_template_fields(self, context: Mapping[str, Any], env: Any = None) -> dict[str, Any]:
        """Render every template field in place with the DAG's Jinja environment (or ``env``);
        return the rendered values by field name. A failure raises TemplateRenderError."""
        from slipstream.sdk.templating import render_template_fields

        return render_template_fields(self, context, env)

    def get_template_env(self) -> Any:
        """The Jinja environment of this task's DAG."""
        from slipstream.sdk.templating import dag_environment

        return dag_environment(self.dag)


def backoff_multiplier(value: bool | float | None) -> float:
    """``retry_exponential_backoff`` as the factor the delay grows by per try: True doubles it
    (Airflow 2), a number multiplies by that number (Airflow 3.3), False or 0 keeps it constant."""
    if value is True:
        return 2.0
    return float(value) if value else 1.0


def retry_delay_seconds(base: float, exponential: bool | float, maximum: float | None, try_number: int) -> float:
    """The wait after a failed try: ``base``, times the backoff multiplier per try, capped at
    ``maximum`` (a growing delay without one at a day, as Airflow caps it)."""
    factor = backoff_multiplier(exponential)
    if factor == 1.0:
        return min(base, maximum) if maximum is not None else base
    try:
        delay = base * factor ** max(try_number - 1, 0)
    except OverflowError:
        delay = float("inf")
    return min(delay, maximum if maximum is not None else MAX_BACKOFF_DELAY)


def _as_list(value: Any) -> list[Any]:
    """``inlets``/``outlets``: one item or a list of them (assets, aliases, other lineage objects)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _seconds_or_none(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def _as_timedelta(value: Any, name: str, task_id: str) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise DagDefinitionError(f"Task {task_id!r}: {name} must be a timedelta or seconds, got {value!r}")


BaseOperator.__init__ = _apply_defaults(BaseOperator.__init__)  # type: ignore[method-assign]
