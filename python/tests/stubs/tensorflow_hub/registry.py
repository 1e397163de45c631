"""Stand-in for tensorflow_hub/registry.py (tensorflow_hub 0.16/0.17): the
same MultiImplRegister. Test support only."""


class MultiImplRegister(object):
    """Utility class to inject multiple implementations of methods.

    An implementation must implement __call__ and is_supported with the same
    set of arguments. The registered implementations "is_supported" methods
    are called in reverse order under which they are registered. The first
    to return true is then invoked via __call__ and the result returned.
    """

    def __init__(self, name):
        self._name = name
        self._impls = []

    def add_implementation(self, impl):
        """Register an implementation."""
        self._impls += [impl]

    def __call__(self, *args, **kwargs):
        for impl in reversed(self._impls):
            if impl.is_supported(*args, **kwargs):
                return impl(*args, **kwargs)
        raise RuntimeError(
            "Missing implementation that supports: %s(*%r, **%r)" % (self._name, args, kwargs))


resolver = MultiImplRegister("resolver")
loader = MultiImplRegister("loader")
