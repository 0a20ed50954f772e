from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


@login_required
def home(request):
    """Everyone starts the day at their inbox."""
    return redirect("cases:inbox")
