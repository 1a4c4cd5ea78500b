"""Forms of the Agents pages: the agent, a tool to add, a goal to run."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from skills.choices import ToolKind
from skills.models import Agent
from skills.services.agents.runs import GOAL_MAX_CHARS


class AgentForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = [
            "key",
            "name",
            "role",
            "instructions",
            "tier",
            "max_steps",
            "provider",
            "is_active",
        ]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["provider"].empty_label = "Instance default"
        steps = self.fields["max_steps"]
        assert isinstance(steps, forms.IntegerField)
        steps.min_value, steps.max_value = 1, 50  # the model's check constraint, as field errors
        steps.validators += [MinValueValidator(1), MaxValueValidator(50)]
        steps.widget.attrs.update(min=1, max=50)
        steps.help_text = "1 to 50 model steps before the run gives up."


class ToolForm(forms.Form):
    kind = forms.ChoiceField(choices=ToolKind.choices)
    name = forms.SlugField(max_length=64, help_text="What the model calls it, e.g. get_record.")
    description = forms.CharField(max_length=500, help_text="What it does, for the model.")
    skill = forms.SlugField(
        max_length=80, required=False, help_text="Skill tools only: the key of the skill."
    )


class GoalForm(forms.Form):
    goal = forms.CharField(
        max_length=GOAL_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the agent should do.",
    )
