"""Credit review (信用审查): the policy, the decisions and the credit report."""
