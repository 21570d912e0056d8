# The executor's contacts printed on every ЕПД (ПП 354 п.69 «а»).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0002_requisites_change'),
    ]

    operations = [
        migrations.AddField(
            model_name='principal',
            name='address',
            field=models.CharField(blank=True, max_length=300, verbose_name='адрес (место нахождения)'),
        ),
        migrations.AddField(
            model_name='principal',
            name='phone',
            field=models.CharField(blank=True, max_length=100, verbose_name='телефон'),
        ),
        migrations.AddField(
            model_name='principal',
            name='email',
            field=models.EmailField(blank=True, max_length=150, verbose_name='электронная почта'),
        ),
        migrations.AddField(
            model_name='principal',
            name='website',
            field=models.CharField(blank=True, max_length=150, verbose_name='сайт'),
        ),
        migrations.AddField(
            model_name='principal',
            name='working_hours',
            field=models.CharField(blank=True, max_length=200, verbose_name='режим работы'),
        ),
    ]
